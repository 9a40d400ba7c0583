# Sourced by the device scripts (device-check.sh, device-train.sh) after they set OUT.
# The GPU machine has no Node: .gpu/ (../shared/device/pack.sh) brings it, Dawn and the Vulkan loader.
if [ -f .gpu/setup.sh ] && ! command -v node >/dev/null; then . .gpu/setup.sh; fi
# On a slow or shared CPU (a local SwiftShader dry run) steps need longer limits than a GPU's:
# LIMIT_SCALE multiplies every limit.
LIMIT_SCALE="${LIMIT_SCALE:-1}"
mkdir -p "$OUT"
step() { # step NAME SECONDS COMMAND...: its output in $OUT/NAME.log, its exit status returned
  local name=$1 limit=$(($2 * LIMIT_SCALE)); shift 2
  echo "== $name (limit ${limit}s)"
  local t0=$SECONDS
  timeout "$limit" "$@" > "$OUT/$name.log" 2>&1
  local rc=$?
  echo "   exit $rc after $((SECONDS - t0)) s"
  tail -n 4 "$OUT/$name.log"
  return $rc
}
