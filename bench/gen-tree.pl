#!/usr/bin/perl
# Writes the deterministic benchmark tree of bench/actool.sh and bench/fetch.sh under ROOT:
#   gen-tree.pl ROOT SEED [DIRS [BLOBS]]
# DIRS package directories (default 100) of 96 text files of source-like words (512 B..12 KiB,
# compressible), 4 binaries of pseudo-random bytes (64..320 KiB; not compressible by deflate:
# repeats are more than 32 KiB apart), 2 empty files and a symlink each; then BLOBS (default 2)
# random 20 MiB files and two 12 MiB logs. The defaults give 10,200+ files and about 200 MB.
use strict;
use warnings;
my ($root, $seed, $ndirs, $nblobs) = @ARGV;
$ndirs //= 100;
$nblobs //= 2;
srand($seed);

# A pool of pseudo-random bytes, and a corpus of source-like text, to slice files from.
my $pool = pack('L*', map { int(rand(4294967296)) } 1 .. (32 << 18));    # 32 MiB
my @words = qw(static int char const struct return if else for while void unsigned size_t
	err goto out free malloc buffer length offset entry manifest rootfs archive header
	the of and to in is that for it as with was on be by this are from or an but not);
push @words, map { join '', map { chr(97 + int(rand(26))) } 1 .. 3 + int(rand(8)) } 1 .. 400;
my $text = '';
while (length($text) < (4 << 20)) {
	my $line = "\t" x int(rand(3));
	$line .= $words[int(rand(@words))] . ' ' for 1 .. 3 + int(rand(10));
	$text .= "$line\n";
}

my ($files, $bytes) = (0, 0);
sub put {
	my ($path, $data) = @_;
	open(my $fh, '>', $path) or die "$path: $!";
	binmode $fh;
	print $fh $data;
	close $fh or die "$path: $!";
	$files++;
	$bytes += length($data);
}
sub slice {
	my ($src, $len) = @_;
	my $off = int(rand(length($src) - $len));
	return substr($src, $off, $len);
}

for my $d (0 .. $ndirs - 1) {
	my $dir = sprintf('%s/usr/share/pkg%02d', $root, $d);
	for my $sub ('', '/doc', '/lib', '/lib/deep/er') {
		system('mkdir', '-p', "$dir$sub") == 0 or die;
	}
	# 96 text files of 512 B..12 KiB
	for my $i (0 .. 95) {
		my $sub = ('', '/doc', '/lib/deep/er')[$i % 3];
		put(sprintf('%s%s/file%03d.c', $dir, $sub, $i), slice($text, 512 + int(rand(12 << 10))));
	}
	# 4 binaries of 64..320 KiB, 2 empty files, a symlink
	for my $i (0 .. 3) {
		put(sprintf('%s/lib/lib%d.so', $dir, $i), slice($pool, (64 << 10) + int(rand(256 << 10))));
	}
	put("$dir/empty$_", '') for 1 .. 2;
	symlink('lib/lib0.so', "$dir/link.so") or die;
}
# A few large files: random data, and log-like text.
system('mkdir', '-p', "$root/var/big") == 0 or die;
put("$root/var/big/blob$_.bin", slice($pool, 20 << 20)) for 1 .. $nblobs;
put("$root/var/big/log$_.txt", join('', map { slice($text, 1 << 20) } 1 .. 12)) for 1 .. 2;
printf STDERR "bench: %d files, %.0f MB\n", $files, $bytes / 1e6;
