#!/usr/bin/env bash
# Publishes routeguard into a signed APT repository for Debian 12, with reprepro.
set -euo pipefail

usage() {
	cat <<'EOF'
usage: packaging/apt-repo.sh OUTDIR [--key-dir DIR] [--version VERSION | --deb FILE]

Builds routeguard's .deb from this tree and publishes it into the signed APT repository in OUTDIR
(distribution bookworm, component main), made and kept by reprepro. Serve OUTDIR over HTTP(S);
a node then uses:
  deb [signed-by=/etc/apt/keyrings/routeguard-archive-keyring.gpg] URL bookworm main

  --key-dir DIR    the archive signing key, DIR/signing-key.asc: one armored secret key without a
                   passphrase (gpg --armor --export-secret-keys KEYID >DIR/signing-key.asc).
                   When DIR holds none, a new ed25519 key is generated and saved there (said on
                   stderr). Default: OUTDIR.key, beside OUTDIR and never inside it: OUTDIR is what
                   you serve. Keep this directory: every node trusts that key, and a repository
                   refuses a second one.
  --version V      the version to build. Default: the first entry of packaging/debian/changelog,
                   which is what a release uses (dch -v V adds the entry); --version only renames
                   that entry, for test builds.
  --deb FILE       publish FILE, built elsewhere, instead of building (its version is its own).

The version must be higher than the one published: running again with a newer version adds it
and apt upgrades the nodes to it (reprepro keeps one version per package; the older .deb leaves
the pool). The same version again publishes nothing and exits 0; a lower one is refused.
GnuPG runs in a temporary home: ~/.gnupg is never read or written.

OUTDIR afterwards:
  dists/, pool/                        the repository (InRelease and Release.gpg signed)
  routeguard-archive-keyring.gpg       the public key, binary, for signed-by= (and, as
                                       base64, for packaging/cloud-init/routeguard.yaml)
  conf/, db/                           reprepro's configuration and database: keep them, they
                                       need not be served (nothing in them is secret)
EOF
}

die() {
	echo "apt-repo.sh: $*" >&2
	exit 1
}

outdir=""
key_dir=""
version=""
deb=""
while (($#)); do
	case $1 in
	--key-dir) key_dir=${2:?--key-dir needs a directory}; shift 2 ;;
	--version) version=${2:?--version needs a version}; shift 2 ;;
	--deb) deb=${2:?--deb needs a file}; shift 2 ;;
	-h | --help) usage; exit 0 ;;
	-*) usage >&2; exit 2 ;;
	*) [[ -z $outdir ]] || { usage >&2; exit 2; }; outdir=$1; shift ;;
	esac
done
[[ -n $outdir ]] || { usage >&2; exit 2; }
[[ -z $version || -z $deb ]] || die "--version and --deb exclude each other"
[[ -z $deb || -f $deb ]] || die "$deb: no such file"
for tool in reprepro gpg gpgv dpkg-deb dpkg-parsechangelog; do
	command -v "$tool" >/dev/null || die "$tool is missing (apt-get install reprepro gnupg dpkg-dev)"
done

here=$(dirname "$(realpath "$0")")
mkdir -p "$outdir"
outdir=$(realpath "$outdir")
key_dir=${key_dir:-$outdir.key}
codename=bookworm

work=$(mktemp -d /tmp/routeguard-apt-repo.XXXXXX)
export GNUPGHOME=$work/gnupg
cleanup() {
	# The agent this run's gpg started in the temporary home, and only that one.
	gpgconf --kill gpg-agent 2>/dev/null || true
	gpgconf --remove-socketdir 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT
mkdir -m 700 "$GNUPGHOME"
# The temporary home trusts only what it imports: no trust database to check or report on.
gpg() { command gpg --batch --quiet --trust-model always "$@"; }

# ---- the signing key: a repository keeps the one it was made with, which every node trusts
signed_with=""
if [[ -f $outdir/conf/distributions ]]; then
	signed_with=$(awk '$1 == "SignWith:" {print $2}' "$outdir/conf/distributions")
fi
if [[ -f $key_dir/signing-key.asc ]]; then
	gpg --import "$key_dir/signing-key.asc" 2>"$work/gpg.log" ||
		{ cat "$work/gpg.log" >&2; die "cannot import $key_dir/signing-key.asc"; }
elif [[ -n $signed_with ]]; then
	die "$outdir is signed by $signed_with and $key_dir/signing-key.asc is missing: --key-dir DIR with that key"
else
	(umask 077 && mkdir -p "$key_dir")
	gpg --pinentry-mode loopback --passphrase '' \
		--quick-generate-key "routeguard archive signing key" ed25519 sign never 2>"$work/gpg.log" ||
		{ cat "$work/gpg.log" >&2; die "cannot generate a key"; }
	(umask 077 && gpg --armor --export-secret-keys >"$key_dir/signing-key.asc")
	echo "apt-repo.sh: generated a new signing key, saved in $key_dir/signing-key.asc: keep it" >&2
fi
mapfile -t fprs < <(gpg --with-colons --list-secret-keys | awk -F: '$1 == "sec" {getline; print $10}')
((${#fprs[@]} == 1)) || die "$key_dir/signing-key.asc must hold exactly one secret key (found ${#fprs[@]})"
fpr=${fprs[0]}
[[ -z $signed_with || $signed_with == "$fpr" ]] ||
	die "$outdir is signed by $signed_with, $key_dir holds $fpr: the nodes trust the first"

# ---- the repository's configuration, written once
if [[ -z $signed_with ]]; then
	mkdir -p "$outdir/conf"
	cat >"$outdir/conf/distributions" <<EOF
Origin: routeguard
Label: routeguard
Codename: $codename
Architectures: amd64 arm64
Components: main
Description: routeguard for Debian 12
SignWith: $fpr
EOF
fi
gpg --export "$fpr" >"$outdir/routeguard-archive-keyring.gpg"

# ---- the package: only a version higher than the published one goes in
repo() { reprepro --basedir "$outdir" --gnupghome "$GNUPGHOME" --silent "$@"; }
published_version() { repo -A "$1" --list-format '${version}\n' list "$codename" routeguard; }
# is_new VERSION ARCH: true when VERSION is to be published, false when it already is; dies when older.
is_new() {
	local published
	published=$(published_version "$2")
	[[ -z $published ]] || dpkg --compare-versions "$1" gt "$published" && return 0
	if [[ $1 == "$published" ]]; then
		echo "apt-repo.sh: routeguard $published ($2) is already published; nothing to do" >&2
		return 1
	fi
	die "routeguard $published is published, $1 is older: publish a higher version"
}
arch=$(dpkg --print-architecture)
if [[ -z $deb ]]; then
	want=${version:-$(dpkg-parsechangelog -l "$here/debian/changelog" -S Version)}
	if is_new "$want" "$arch"; then
		deb=$("$here/build-deb.sh" "$work/debs" ${version:+"$version"}) || die "the build failed"
	fi
fi
if [[ -n $deb ]]; then
	[[ $(dpkg-deb -f "$deb" Package) == routeguard ]] || die "$deb is not a routeguard package"
	arch=$(dpkg-deb -f "$deb" Architecture)
	if is_new "$(dpkg-deb -f "$deb" Version)" "$arch"; then
		repo includedeb "$codename" "$deb" || die "reprepro includedeb failed"
	fi
fi
# The indices are signed again even when nothing was added: a lost signature is repaired.
repo export "$codename"

# ---- the repository as a node will see it
repo check "$codename" >/dev/null || die "reprepro check found problems"
gpgv --keyring "$outdir/routeguard-archive-keyring.gpg" "$outdir/dists/$codename/InRelease" 2>"$work/gpgv.log" ||
	{ cat "$work/gpgv.log" >&2; die "InRelease does not verify with the exported key"; }
echo "published: routeguard $(published_version "$arch") ($arch) in $outdir, signed by $fpr"
