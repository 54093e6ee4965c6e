# shellcheck shell=bash
# The kernel bases the workflow knows: Debian's linux-source packages, pinned.
#
#   base_vars KBASE    sets BASE_PKG BASE_VERSION BASE_SUITE BASE_ARCHIVE
#                      BASE_SERIES (the folder of that base's patches)
#                      BASE_MATRIX (its KUnit matrix)
base_vars() {
	local here
	here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
	case $1 in
	7.3)
		BASE_PKG=linux-source-7.3
		BASE_VERSION=${BASE_VERSION_7_3:-7.3.4-1~bpo13+1}
		BASE_SUITE=trixie-backports
		BASE_ARCHIVE=main
		BASE_SERIES=$here/patches
		BASE_MATRIX=$here/workflow/matrix.txt
		;;
	6.12)
		BASE_PKG=linux-source-6.12
		BASE_VERSION=${BASE_VERSION_6_12:-6.12.117-1~deb12u1}
		BASE_SUITE=bookworm-security
		BASE_ARCHIVE=security
		BASE_SERIES=$here/backport/6.12/patches
		BASE_MATRIX=$here/backport/6.12/matrix.txt
		;;
	*)
		echo "unknown base '$1' (7.3 or 6.12)" >&2
		return 1
		;;
	esac
}

# A private apt configuration in DIR (its own source list, lists and cache
# folders; the machine's apt sources are never changed) with one source
# line, updated.  Sets APT_OPTS, the options for apt-get and apt-cache.
#
#   private_apt DIR LINE    e.g. LINE="deb URI SUITE main"
private_apt() {
	local dir=$1 keyring=/usr/share/keyrings/debian-archive-keyring.gpg
	local type=${2%% *} rest=${2#* }
	mkdir -p "$dir/lists/partial" "$dir/cache/archives/partial"
	echo "$type [signed-by=$keyring] $rest" > "$dir/sources.list"
	APT_OPTS=(-o "Dir::Etc::SourceList=$dir/sources.list" -o Dir::Etc::SourceParts=/dev/null
		  -o "Dir::State::Lists=$dir/lists" -o "Dir::Cache=$dir/cache"
		  -o APT::Sandbox::User=root -q)
	apt-get "${APT_OPTS[@]}" update >/dev/null
}

# The Debian mirror the machine's own apt configuration uses (deb822 or
# one-line form) for ARCHIVE: main (the Debian archive) or security.
#
#   debian_mirror ARCHIVE    prints the URI, or nothing
debian_mirror() {
	local uris
	uris=$( {
		cat /etc/apt/sources.list.d/*.sources 2>/dev/null | sed -n 's/^URIs:[[:space:]]*//p' | tr ' ' '\n'
		cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
			sed -n 's/^deb[[:space:]]\+\(\[[^]]*\][[:space:]]\+\)\?\([^[:space:]]\+\).*/\2/p'
	} || true)
	case $1 in
	security) grep -E '^https?://.*-security/?$' <<<"$uris" | head -n1 || true ;;
	*) grep -E '^https?://.*/debian/?$' <<<"$uris" | head -n1 || true ;;
	esac
}
