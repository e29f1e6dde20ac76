#!/usr/bin/env sh
# Builds actionlint (the GitHub Actions workflow linter) from its Go module into .tools/bin/
# (ignored by git) and prints the binary's path. Reused while the pinned version is unchanged.
# Needs `go`; exits 3 with a reason when it is missing, so callers can skip rather than fail.
set -eu
VERSION="${ACTIONLINT_VERSION:-v1.7.12}"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BIN="$ROOT/.tools/bin"
STAMP="$BIN/actionlint.version"
if [ -x "$BIN/actionlint" ] && [ "$(cat "$STAMP" 2>/dev/null)" = "$VERSION" ]; then
  echo "$BIN/actionlint"
  exit 0
fi
if ! command -v go >/dev/null 2>&1; then
  echo "go is not installed: cannot build actionlint $VERSION" >&2
  exit 3
fi
mkdir -p "$BIN"
GOBIN="$BIN" GOFLAGS="${GOFLAGS:-} -trimpath" go install "github.com/rhysd/actionlint/cmd/actionlint@$VERSION" >&2
echo "$VERSION" > "$STAMP"
echo "$BIN/actionlint"
