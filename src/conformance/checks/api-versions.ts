/**
 * ApiVersions checks: the KIP-511 fallback for a version the broker does not know, well-formed
 * ranges, every advertised version answered in its own layout (flexible from v3), the client
 * software name rule, finalized features (KIP-584), and the minimum a producer needs.
 */
import { ApiKey } from '../../protocol/api-keys.js';
import { Writer } from '../../protocol/writer.js';
import { decodeApiVersionsResponse, encodeRequest, writeRequestHeader } from '../../protocol/messages/index.js';
import { errorName, fail, pass, skip, type Check } from '../check.js';
import { CLIENT_SOFTWARE_NAME, CLIENT_SOFTWARE_VERSION } from '../client.js';
import { Err } from '../kafka-errors.js';

const group = 'ApiVersions' as const;

/** An ApiVersions v3+ body with any software name (what encodeRequest would also write, but for any version number). */
function apiVersionsFrame(version: number, clientId: string, name = CLIENT_SOFTWARE_NAME, softwareVersion = CLIENT_SOFTWARE_VERSION): Uint8Array {
  const w = new Writer(96);
  w.reserve(4); // size: the connection writes it
  writeRequestHeader(w, ApiKey.ApiVersions, version, 2, { correlationId: 0, clientId });
  w.compactString(name).compactString(softwareVersion).uvarint(0);
  return w.finish();
}

export const API_VERSIONS_CHECKS: readonly Check[] = [
  {
    id: 'apiversions.unknown-version',
    group,
    title: 'An ApiVersions version the broker does not know is answered in the v0 layout',
    reference: 'KIP-511',
    level: 'MUST',
    expected: "UNSUPPORTED_VERSION (35) in the v0 layout, listing the broker's own ApiVersions range so the client can retry at a version both speak",
    async run(ctx) {
      const conn = await ctx.client.rawConnection();
      const bytes = await conn.request({ buffer: apiVersionsFrame(127, ctx.client.clientId) });
      let body;
      try {
        body = decodeApiVersionsResponse(0, bytes).body;
      } catch (e) {
        return fail(`the answer to ApiVersions v127 does not decode in the v0 layout: ${(e as Error).message}`);
      }
      if (body.errorCode !== Err.UNSUPPORTED_VERSION) return fail(`ApiVersions v127 answered ${errorName(body.errorCode)}`);
      const own = body.apiKeys.find((k) => k.apiKey === ApiKey.ApiVersions);
      if (own === undefined) return fail('UNSUPPORTED_VERSION without the ApiVersions range: a client cannot choose a version to retry with');
      return pass(`UNSUPPORTED_VERSION in the v0 layout with ApiVersions v${own.minVersion}-${own.maxVersion} (${body.apiKeys.length} range(s))`);
    },
  },
  {
    id: 'apiversions.ranges',
    group,
    title: 'Advertised version ranges are well-formed',
    reference: 'ApiVersionsResponse.json: ApiKeys (MinVersion <= MaxVersion)',
    level: 'MUST',
    expected: 'each API key once, 0 <= min <= max, ApiVersions itself listed from v0, Metadata and Produce listed',
    async run(ctx) {
      const keys = ctx.client.apiVersions.apiKeys;
      const seen = new Set<number>();
      const problems: string[] = [];
      for (const k of keys) {
        if (seen.has(k.apiKey)) problems.push(`API key ${k.apiKey} listed twice`);
        seen.add(k.apiKey);
        if (k.minVersion < 0 || k.minVersion > k.maxVersion) problems.push(`API key ${k.apiKey}: v${k.minVersion}-${k.maxVersion}`);
      }
      const av = keys.find((k) => k.apiKey === ApiKey.ApiVersions);
      if (av === undefined || av.minVersion !== 0) problems.push('ApiVersions not listed from v0');
      for (const [name, key] of [['Metadata', ApiKey.Metadata], ['Produce', ApiKey.Produce]] as const) if (!seen.has(key)) problems.push(`${name} not listed`);
      return problems.length ? fail(problems.join('; ')) : pass(`${keys.length} API ranges, all well-formed`);
    },
  },
  {
    id: 'apiversions.every-version',
    group,
    title: 'Every ApiVersions version is answered in its own layout',
    reference: 'ApiVersionsRequest.json: validVersions, flexibleVersions 3+ (response header v0 always)',
    level: 'MUST',
    expected: 'NONE at every version both sides speak, decoded strictly at that version (tagged fields from v3), the same ranges each time',
    async run(ctx) {
      const versions = ctx.client.versions(ApiKey.ApiVersions);
      const conn = await ctx.client.connection();
      let first: string | undefined;
      for (const v of versions) {
        const frame = encodeRequest(ApiKey.ApiVersions, v, { correlationId: 0, clientId: ctx.client.clientId }, { clientSoftwareName: CLIENT_SOFTWARE_NAME, clientSoftwareVersion: CLIENT_SOFTWARE_VERSION }, { sizePrefix: true });
        const decoded = decodeApiVersionsResponse(v, await conn.request({ buffer: frame }), { strict: true });
        if (decoded.layoutVersion !== v) return fail(`v${v} was answered in the v${decoded.layoutVersion} layout`);
        if (decoded.body.errorCode !== 0) return fail(`v${v} answered ${errorName(decoded.body.errorCode)}`);
        const ranges = decoded.body.apiKeys.map((k) => `${k.apiKey}:${k.minVersion}-${k.maxVersion}`).join(',');
        first ??= ranges;
        if (ranges !== first) return fail(`v${v} lists other ranges than v${versions[0]}`);
      }
      return pass(`v${versions[0]}-v${versions[versions.length - 1]} each answered NONE in their own layout`);
    },
  },
  {
    id: 'apiversions.software-name',
    group,
    title: 'An invalid client software name is refused',
    reference: 'KIP-511: ClientSoftwareName/Version must match [a-zA-Z0-9](?:[a-zA-Z0-9\\-.]*[a-zA-Z0-9])?',
    level: 'MUST',
    expected: 'INVALID_REQUEST (42) for ApiVersions v3+ with a software name containing a space',
    async run(ctx) {
      const v = ctx.client.version(ApiKey.ApiVersions);
      if (v === null || v < 3) return skip('the broker speaks no ApiVersions v3+ (no software name)');
      const conn = await ctx.client.connection();
      const body = decodeApiVersionsResponse(v, await conn.request({ buffer: apiVersionsFrame(v, ctx.client.clientId, 'not a valid name!') })).body;
      if (body.errorCode !== Err.INVALID_REQUEST) return fail(`v${v} with software name "not a valid name!" answered ${errorName(body.errorCode)}`);
      return pass(`v${v} answered INVALID_REQUEST`);
    },
  },
  {
    id: 'apiversions.finalized-features',
    group,
    title: 'Finalized features are reported and within the supported ranges',
    reference: 'KIP-584 (ApiVersionsResponse.json: SupportedFeatures, FinalizedFeatures, FinalizedFeaturesEpoch, v3+)',
    level: 'SHOULD',
    expected: 'v3+: a finalized metadata.version (KRaft), every finalized level inside the supported range, epoch >= 0',
    async run(ctx) {
      const v = ctx.client.version(ApiKey.ApiVersions);
      if (v === null || v < 3) return skip('the broker speaks no ApiVersions v3+ (no features)');
      const body = ctx.client.apiVersions;
      const finalized = body.finalizedFeatures.map((f) => `${f.name}=${f.maxVersionLevel}`).join(', ');
      const problems: string[] = [];
      for (const f of body.finalizedFeatures) {
        const s = body.supportedFeatures.find((x) => x.name === f.name);
        if (s === undefined) problems.push(`${f.name} finalized but not supported`);
        else if (f.maxVersionLevel < s.minVersion || f.maxVersionLevel > s.maxVersion) problems.push(`${f.name}=${f.maxVersionLevel} outside ${s.minVersion}-${s.maxVersion}`);
      }
      if (!body.finalizedFeatures.some((f) => f.name === 'metadata.version')) problems.push('no finalized metadata.version');
      if (body.finalizedFeaturesEpoch < 0n) problems.push(`epoch ${body.finalizedFeaturesEpoch}`);
      return problems.length ? fail(`${problems.join('; ')} (finalized: ${finalized || 'none'})`) : pass(`finalized: ${finalized}; epoch ${body.finalizedFeaturesEpoch}`);
    },
  },
  {
    id: 'apiversions.producer-minimum',
    group,
    title: 'The APIs a producer needs are advertised at RecordBatch v2 versions',
    reference: 'KIP-98 / KIP-896 (Produce v3+, Fetch v4+, ListOffsets v1+, InitProducerId)',
    level: 'MUST',
    expected: 'Produce up to v3 or later, Fetch v4+, ListOffsets v1+, InitProducerId, Metadata',
    async run(ctx) {
      const missing: string[] = [];
      const need: [string, number, number][] = [
        ['Produce', ApiKey.Produce, 3],
        ['Fetch', ApiKey.Fetch, 4],
        ['ListOffsets', ApiKey.ListOffsets, 1],
        ['InitProducerId', ApiKey.InitProducerId, 0],
        ['Metadata', ApiKey.Metadata, 0],
      ];
      const seen: string[] = [];
      for (const [name, key, min] of need) {
        const r = ctx.client.range(key);
        if (r === undefined || r.max < min) missing.push(`${name} v${min}+ (${r ? `v${r.min}-${r.max}` : 'absent'})`);
        else seen.push(`${name} v${r.min}-${r.max}`);
      }
      return missing.length ? fail(`missing: ${missing.join(', ')}`) : pass(seen.join(', '));
    },
  },
];
