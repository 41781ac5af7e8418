// Programmatic entry for the broker tooling (used by tools/broker/cli.mjs, tools/main-job.mjs
// and test/helpers/global-setup.ts). Types: index.d.mts.
export { stateDir, probeMetadata, probeApiVersions, REPO_ROOT } from './common.mjs';
export { DEFAULT_KAFKA_VERSION, kafkaUp, kafkaDown, kafkaRelease, kafkaStatus } from './kafka.mjs';
export { kafkaVersions, kafkaClasspath, kafkaPrepare, javaTool, javaService, kafkaMain } from './java.mjs';
export { secureUp, secureDown, secureRelease, secureStatus, secureDir } from './secure.mjs';
export { mockUp, mockDown, mockRelease, mockStatus, buildMock, prepareMock } from './mock.mjs';
export { kfakeUp, kfakeDown, kfakeRelease, kfakeStatus, buildKfake, prepareKfake } from './kfake.mjs';
export { ensureBun, ensureKcat, ensureLibrdkafkaDev, userCacheDir } from './system-deps.mjs';
