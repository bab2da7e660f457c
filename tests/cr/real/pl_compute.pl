# tests/cr/real/pl_compute.pl: a deterministic Perl computation printing progress,
# checkpointed asynchronously (run by ckpt_test.py --cmd with --compare-native).
use strict;
use warnings;
use Time::HiRes qw(sleep);

my $steps = $ARGV[0] // 40;

sub step {
    my ($i, $h) = @_;
    my $acc = 0;
    for my $n (1 + $i * 3000 .. ($i + 1) * 3000) {
        my $key = sprintf("k%05d", $n % 4999);
        $h->{$key} = ($h->{$key} // 0) + $n;
        $acc = ($acc * 33 + length($key) + $n) % 1000003;
    }
    return $acc;
}

my (%h, %g);
my $sum = 0;
for my $i (0 .. $steps - 1) {
    $sum = ($sum * 31 + step($i, \%h)) % 2147483647;
    printf "step %d keys=%d sum=%d\n", $i, scalar(keys %h), $sum;
    sleep(0.1);
}
my $redo = 0;
$redo = ($redo * 31 + step($_, \%g)) % 2147483647 for 0 .. $steps - 1;
my $same = join(",", map { "$_=$h{$_}" } sort keys %h) eq join(",", map { "$_=$g{$_}" } sort keys %g);
if ($redo != $sum || !$same) {
    print "FAIL: recomputed $redo != $sum\n";
    exit 1;
}
print "PASS\n";
