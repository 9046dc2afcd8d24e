#!/usr/bin/perl
# Reads PostgreSQL server log lines written with log_min_duration_statement = 0 and prints each
# statement executed (simple or extended protocol), with its bound parameters written in as
# literals, one per line. bench/run uses it to compare what the server sends with bench/sql/.
use strict; use warnings;
my $pending;
while (my $line = <STDIN>) {
    chomp $line;
    if ($line =~ /\[(\d+)\] \S+ LOG:  duration: [\d.]+ ms  (?:execute [^:]+|statement): (.*)$/) {
        flush(); $pending = $2;
        next;
    }
    if (defined $pending && $line =~ /DETAIL:  parameters: (.*)$/) {
        my $p = $1; my %v;
        while ($p =~ /\$(\d+) = ('(?:[^']|'')*'|NULL)/g) { $v{$1} = $2; }
        $pending =~ s/\$(\d+)\b/exists $v{$1} ? $v{$1} : "\$$1"/ge;
        flush();
        next;
    }
    if (defined $pending && $line =~ /^\t/) { $pending .= " " . ($line =~ s/^\t//r); next; }
}
flush();
sub flush { if (defined $pending) { print "$pending;\n"; undef $pending; } }
