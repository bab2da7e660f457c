# tests/cr/real/awk_compute.awk: a deterministic gawk computation printing progress,
# checkpointed asynchronously (run by ckpt_test.py --cmd with --compare-native).
@load "time"

function step(i, arr,    n, acc, key) {
    acc = 0
    for (n = 1 + i * 3000; n <= (i + 1) * 3000; n++) {
        key = "k" (n % 4999)
        arr[key] += n
        acc = (acc * 33 + length(key) + n) % 1000003
    }
    return acc
}

BEGIN {
    steps = (ARGV[1] != "") ? ARGV[1] + 0 : 40
    sum = 0
    for (i = 0; i < steps; i++) {
        sum = (sum * 31 + step(i, h)) % 2147483647
        printf "step %d sum=%d\n", i, sum
        sleep(0.1)
    }
    redo = 0
    for (i = 0; i < steps; i++) {
        redo = (redo * 31 + step(i, g)) % 2147483647
    }
    bad = (redo != sum)
    for (k in h) {
        if (h[k] != g[k]) bad = 1
    }
    if (bad) {
        print "FAIL: recomputed " redo " != " sum
        exit 1
    }
    print "PASS"
    exit 0
}
