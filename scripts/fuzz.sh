#!/usr/bin/env bash
# Runs every Fuzz* target in the module, one after another, for FUZZTIME
# each (default 30s). Targets are discovered with `go test -list '^Fuzz'`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

fuzztime=${FUZZTIME:-30s}

# go test -list prints a package's matching names, then "ok <pkg> <time>".
mapfile -t targets < <(go test -list '^Fuzz' ./... | awk '
	/^Fuzz/      { names[n++] = $1; next }
	/^ok[ \t]/   { for (i = 0; i < n; i++) print $2, names[i] }
	             { n = 0 }')

if [ ${#targets[@]} -eq 0 ]; then
	echo "fuzz: no Fuzz targets found"
	exit 0
fi
echo "fuzz: ${#targets[@]} target(s), ${fuzztime} each"
for t in "${targets[@]}"; do
	pkg=${t% *}
	name=${t#* }
	echo "fuzz: ${pkg} ${name}"
	go test -run='^$' -fuzz="^${name}\$" -fuzztime="${fuzztime}" "${pkg}"
done
