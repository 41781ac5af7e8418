"""confluent-kafka (Python wheel, bundles librdkafka): per-record produce() with a delivery callback.

Same records as the other drivers (value i = bytes [i*size, (i+1)*size) of the --values file:
the fresh random A-Z bytes Java's ProducerPerformance sends per record; keys "0".."999" round-robin). The clock
starts at the first produce() and stops when flush() returns. With --rate, produce() is paced
(waiting inside poll(), called before every produce(), so delivery callbacks run on time) and
each record's latency is Message.latency() read in its delivery callback (produce() ->
callback); the first --warmup delivery reports are left out.
Prints `RESULT {json}` last on stdout, like the Node drivers.
"""
import argparse
import json
import os
import sys
import time

from confluent_kafka import Producer, KafkaException, libversion, version


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bootstrap", required=True)
    ap.add_argument("--topic", required=True)
    ap.add_argument("--records", type=int, default=100000)
    ap.add_argument("--size", type=int, default=100)
    ap.add_argument("--keys", type=int, default=1000)
    ap.add_argument("--compression", default="none")
    ap.add_argument("--rate", type=float, default=0)
    ap.add_argument("--mode", default="per-record")
    ap.add_argument("--window", default="0")
    ap.add_argument("--warmup", type=int, default=0, help="leave the first N delivery reports out of the latency statistics")
    ap.add_argument("--values", required=True, help="the values file bench/run.mjs writes (bench/lib/values.mjs)")
    ap.add_argument("--batch-size", type=int, default=0, help="librdkafka batch.size in bytes (the equal-settings workloads); 0: its default")
    a = ap.parse_args()

    conf = {
        "bootstrap.servers": a.bootstrap,
        "client.id": "bench-confluent-kafka",
        "acks": "all",
        "enable.idempotence": True,
        "linger.ms": 5,
        "compression.type": a.compression,
    }
    if a.batch_size > 0:
        conf["batch.size"] = a.batch_size
    p = Producer(conf)
    values = open(a.values, "rb")
    file_records = os.fstat(values.fileno()).st_size // a.size

    def value(i):
        if i % file_records == 0:
            values.seek(0)
        return values.read(a.size)

    keys = [str(i).encode() for i in range(a.keys)]
    topic = a.topic
    n_keys = a.keys

    state = {"done": 0, "failed": 0, "error": None}
    lat = [] if a.rate > 0 else None

    def on_delivery(err, msg):
        state["done"] += 1
        if err is not None:
            state["failed"] += 1
            if state["error"] is None:
                state["error"] = str(err)
        elif lat is not None and state["done"] > a.warmup:
            lat.append(msg.latency() * 1000.0)

    # Connect and fetch metadata before the clock starts (as the Node drivers do).
    p.list_topics(topic, timeout=30)

    produce = p.produce
    poll = p.poll
    start = time.perf_counter()
    for i in range(a.records):
        if a.rate > 0:
            # Wait in poll() so delivery callbacks run on time (latency = produce -> callback).
            ahead = start + i / a.rate - time.perf_counter()
            poll(max(0.0, ahead))
            ahead = start + i / a.rate - time.perf_counter()
            while ahead >= 0.001:
                poll(ahead)
                ahead = start + i / a.rate - time.perf_counter()
        payload = value(i)
        while True:
            try:
                produce(topic, payload, keys[i % n_keys], on_delivery=on_delivery)
                break
            except BufferError:  # queue.buffering.max.messages/kbytes reached: serve deliveries
                poll(0.005)
        if (i & 1023) == 1023:
            poll(0)
    remaining = p.flush(120)
    elapsed_ms = (time.perf_counter() - start) * 1000.0
    res = {
        "client": "confluent-kafka",
        "mode": "per-record",
        "records": state["done"],
        "failed": state["failed"] + remaining,
        "elapsedMs": elapsed_ms,
        "error": state["error"],
        "version": version()[0] if isinstance(version(), tuple) else version(),
        "librdkafka": libversion()[0],
    }
    if lat is not None and lat:
        lat.sort()
        pct = lambda q: lat[min(len(lat) - 1, int(len(lat) * q))]
        res.update({"p50": pct(0.5), "p99": pct(0.99), "p999": pct(0.999),
                    "avgLatency": sum(lat) / len(lat), "maxLatency": lat[-1]})
    sys.stdout.write("RESULT " + json.dumps(res) + "\n")
    sys.stdout.flush()
    sys.exit(1 if res["failed"] else 0)


if __name__ == "__main__":
    main()
