#!/usr/bin/env bash
# Builds the pulumi CLI pinned in tools/pulumi-cli/go.mod into .pulumi-cli/bin/ (ignored by git)
# from its Go modules, and reuses it while the pin is unchanged. Prints the CLI's path last.
#
#   scripts/pulumi-cli.sh            build if needed; print the path of bin/pulumi
#   scripts/pulumi-cli.sh --check    exit 0 when a build for the current pin is present, else 1
#
# The CLI's own installer downloads prebuilt binaries, which these machines cannot reach; `go
# install pkg/v3/cmd/pulumi@version` refuses because pulumi's go.mod carries `replace` lines. So a
# small module of ours (tools/pulumi-cli) requires pkg/v3 and sdk/v3 at one version, repeats those
# replaces, and builds the command by path. A cold build takes 10-25 minutes on 2 cores and a few
# GB of module and build cache; later builds reuse Go's caches.
#
# The Python language host (github.com/pulumi/pulumi/sdk/python/cmd/pulumi-language-python/v3)
# is not built: it has no tags, and the module proxy these machines reach refuses every version of
# it (403 "This module version is not available"). Stack programs therefore run through the
# Automation API's inline programs here (docs/real-cli.md).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
module="$repo/tools/pulumi-cli"
out="$repo/.pulumi-cli/bin"
export GOFLAGS="${GOFLAGS:--mod=mod}" CGO_ENABLED=0

if ! command -v go >/dev/null 2>&1; then
    echo "pulumi-cli: no 'go' on PATH: cannot build the pulumi CLI here (Go 1.26+ needed)" >&2
    exit 2
fi
version=$(cd "$module" && go list -m -f '{{.Version}}' github.com/pulumi/pulumi/pkg/v3)
# The stamp ties the binaries to the pin and to the exact module graph (go.sum).
stamp="$version $(sha256sum "$module/go.sum" | cut -c1-16)"

if [ -x "$out/pulumi" ] && [ "$(cat "$out/.stamp" 2>/dev/null)" = "$stamp" ]; then
    [ "${1:-}" = "--check" ] && exit 0
    echo "$out/pulumi"
    exit 0
fi
[ "${1:-}" = "--check" ] && exit 1

say() { echo "pulumi-cli: $*" >&2; }
started=$(date +%s)
say "building pulumi $version from its Go modules into .pulumi-cli/bin (cold: 10-25 minutes on 2 cores) ..."
mkdir -p "$out"
rm -f "$out/.stamp"
ldflags="-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$version"
(
    cd "$module"
    say "compiling github.com/pulumi/pulumi/pkg/v3/cmd/pulumi (go build prints each package it compiles) ..."
    # -v lists packages as they compile: progress for a long cold build, counted rather than shown.
    go build -v -trimpath -ldflags "$ldflags" -o "$out/pulumi.new" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi 2>&1 \
        | awk '{ n++; if (n % 200 == 0) { printf "pulumi-cli:   %d packages compiled ...\n", n > "/dev/stderr" } }'
    [ "${PIPESTATUS[0]}" -eq 0 ] || exit 1
    mv "$out/pulumi.new" "$out/pulumi"

    # Two scripts the CLI runs beside its binaries ship in the sdk/v3 module itself: the launcher of
    # the Python dynamic-provider process and the program runner of the language host.
    sdk=$(go list -m -f '{{.Dir}}' github.com/pulumi/pulumi/sdk/v3)
    install -m 755 "$sdk/python/dist/pulumi-resource-pulumi-python" "$out/pulumi-resource-pulumi-python"
    install -m 755 "$sdk/python/cmd/pulumi-language-python-exec" "$out/pulumi-language-python-exec"
) || { say "build failed (see the go errors above)"; exit 1; }
echo "$stamp" > "$out/.stamp"
say "built pulumi $version in $(( $(date +%s) - started )) s: $out"
echo "$out/pulumi"
