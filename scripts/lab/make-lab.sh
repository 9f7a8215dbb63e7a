#!/usr/bin/env bash
# Makes a lab like the shared fixtures' lab/ (its README.md): a LAN, a router and the Internet in network
# namespaces, a scaled-down run of the same events with real tools, the router's uplink captured to uplink.pcap,
# and that capture's NetFlow/IPFIX exports by softflowd and pmacct (flows/<probe>.pcap, captured on loopback)
# with nfdump's reading of each (flows/<probe>.nfdump.csv). The NetFlow conformance tests then run without the
# shared fixtures.
#
#   scripts/lab/make-lab.sh [OUT]      (npm run lab:make -- [OUT]; OUT defaults to $TMPDIR/flowtrail-lab)
#
# Needs root. Everything runs inside namespaces named ftlab-<pid>-*, removed on exit; a run replaces OUT's
# uplink.pcap and flows/ only when it succeeds.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
OUT=${1:-${TMPDIR:-/tmp}/flowtrail-lab}
TSX="$ROOT/node_modules/.bin/tsx"
TRAFFIC="$ROOT/scripts/lab/traffic.ts"
# Probe name, export version, destination port (lab/README.md).
PROBES=(softflowd-v5:5:9905 softflowd-v9:9:9909 softflowd-ipfix:10:9910 pmacct-v9:9:9929 pmacct-ipfix:10:9930)

die() {
  echo "make-lab: $*" >&2
  exit 1
}

[ "$(id -u)" -eq 0 ] || die "needs root (it makes network namespaces)"
missing=()
for tool in ip dumpcap softflowd pmacctd nfcapd nfdump nmap nping iperf3 curl node; do
  command -v "$tool" >/dev/null || missing+=("$tool")
done
[ "${#missing[@]}" -eq 0 ] || die "needs ${missing[*]} on the PATH (scripts/install-test-deps.sh installs them)"
[ -x "$TSX" ] || die "needs the project's dev dependencies (run npm ci in $ROOT)"

ID=ftlab-$$
LAN=$ID-lan
RTR=$ID-rtr
ISP=$ID-isp
EXP=$ID-exp
WORK=$(mktemp -d "${TMPDIR:-/tmp}/flowtrail-lab-work.XXXXXX")

remove_namespace() {
  local pid
  for pid in $(ip netns pids "$1" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null || true; done
  ip netns del "$1" 2>/dev/null || true
}

cleanup() {
  local status=$?
  if [ "$status" -ne 0 ]; then
    for log in "$WORK"/*.log; do [ -s "$log" ] && { echo "--- ${log##*/}"; tail -n 5 "$log"; } >&2; done
  fi
  for ns in "$LAN" "$RTR" "$ISP" "$EXP"; do remove_namespace "$ns"; done
  rm -rf "$WORK"
  [ "$status" -eq 0 ] || echo "make-lab: failed (exit $status; the tools' logs are above); namespaces removed" >&2
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Namespaces of runs that were killed before their trap ran (their pid is gone) are removed first.
for ns in $(ip netns list | awk '{print $1}'); do
  if [[ $ns =~ ^ftlab-([0-9]+)- ]] && ! kill -0 "${BASH_REMATCH[1]}" 2>/dev/null; then remove_namespace "$ns"; fi
done

# Not for commands sent to the background: their $! must be the command itself, which `ip netns exec` becomes.
in_ns() {
  local ns=$1
  shift
  ip netns exec "$ns" "$@"
}

# Waits for a background dumpcap to say it is capturing (its first output line), so no packet is missed.
wait_capturing() {
  local log=$1
  for _ in $(seq 100); do
    grep -q '^File:' "$log" 2>/dev/null && return 0
    sleep 0.1
  done
  die "dumpcap did not start: $(cat "$log")"
}

wait_listening() {
  local ns=$1 proto=$2 address=$3
  for _ in $(seq 150); do
    in_ns "$ns" ss -Hln"${proto}" "src $address" | grep -q . && return 0
    sleep 0.1
  done
  die "nothing listens on $proto $address in $ns"
}

stop() {
  kill -TERM "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}

started=$(date +%s)
echo "make-lab: building the lab in namespaces $ID-*"
for ns in "$LAN" "$RTR" "$ISP" "$EXP"; do
  ip netns add "$ns"
  # IPv6 off, so router solicitations and the like stay out of the capture.
  in_ns "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
  ip -n "$ns" link set lo up
done
ip link add lan0 netns "$RTR" type veth peer name eth0 netns "$LAN"
ip link add up0 netns "$RTR" type veth peer name up0 netns "$ISP"
ip -n "$RTR" addr add 10.77.0.254/24 dev lan0
ip -n "$RTR" addr add 192.0.2.1/30 dev up0
for host in 1 5 9 10 11; do ip -n "$LAN" addr add "10.77.0.$host/24" dev eth0; done
ip -n "$ISP" addr add 192.0.2.2/30 dev up0
# The outside hosts are addresses of the ISP namespace; the rest of 198.51.100.0/24 does not exist and never
# answers the outgoing scan (the namespace does not forward).
for address in 198.51.100.20 198.51.100.30 198.51.100.53 203.0.113.80 203.0.113.66; do
  ip -n "$ISP" addr add "$address/32" dev up0
done
for link in "$RTR lan0" "$RTR up0" "$LAN eth0" "$ISP up0"; do
  read -r ns dev <<<"$link"
  ip -n "$ns" link set "$dev" up
done
in_ns "$RTR" sysctl -qw net.ipv4.ip_forward=1
ip -n "$LAN" route add default via 10.77.0.254
ip -n "$RTR" route add default via 192.0.2.2
ip -n "$ISP" route add 10.77.0.0/24 via 192.0.2.1

ip netns exec "$LAN" "$TSX" "$TRAFFIC" serve http:10.77.0.1:80 ssh:10.77.0.1:22 >"$WORK/lan-serve.log" 2>&1 &
servers=($!)
ip netns exec "$ISP" "$TSX" "$TRAFFIC" serve http:203.0.113.80:80 dns:198.51.100.53 >"$WORK/isp-serve.log" 2>&1 &
servers+=($!)
ip netns exec "$ISP" iperf3 -s -B 198.51.100.20 >"$WORK/iperf3-server.log" 2>&1 &
servers+=($!)
wait_listening "$LAN" t 10.77.0.1:22
wait_listening "$ISP" u 198.51.100.53:53
wait_listening "$ISP" t 198.51.100.20:5201

mkdir -p "$WORK/lab/flows"
ip netns exec "$RTR" dumpcap -q -P -B 64 -i up0 -s 256 -w "$WORK/lab/uplink.pcap" >"$WORK/uplink-dumpcap.log" 2>&1 &
capture=$!
wait_capturing "$WORK/uplink-dumpcap.log"

echo "make-lab: running the events (lab/README.md, scaled down)"
fetch() {
  local ns=$1 source=$2 url=$3 times=$4
  for _ in $(seq "$times"); do in_ns "$ns" curl -sSf -o /dev/null --max-time 10 --interface "$source" "$url"; done
}
# 1. Web: inbound page and file fetches, an outbound download.
fetch "$ISP" 198.51.100.30 http://10.77.0.1/index.html 10
fetch "$ISP" 198.51.100.20 http://10.77.0.1/file.bin 3
fetch "$LAN" 10.77.0.11 http://203.0.113.80/file.bin 5
# 2. DNS over UDP.
in_ns "$LAN" "$TSX" "$TRAFFIC" dns 10.77.0.10 198.51.100.53 10
# 3. The heavy talker's upload.
in_ns "$LAN" iperf3 -c 198.51.100.20 -B 10.77.0.5 -n 4M >"$WORK/iperf3-client.log"
# 4. An outside host reaches the server's SSH port.
in_ns "$ISP" "$TSX" "$TRAFFIC" ssh 198.51.100.30 10.77.0.1
# 5, 6. The attacker's port scan of the server and address scan of tcp/22,3389 across the LAN.
scan=(nmap -sS -Pn -n --max-retries 0 --max-rtt-timeout 300ms -T4)
in_ns "$ISP" "${scan[@]}" -S 203.0.113.66 -e up0 -p 1-1000 10.77.0.1 >"$WORK/nmap-ports.log"
in_ns "$ISP" "${scan[@]}" -S 203.0.113.66 -e up0 -p 22,3389 10.77.0.0/24 >"$WORK/nmap-addresses.log"
# 7. The infected workstation scans tcp/445 outside.
in_ns "$LAN" "${scan[@]}" -S 10.77.0.9 -e eth0 -p 445 198.51.100.0/24 >"$WORK/nmap-445.log"
# 8. Pings.
in_ns "$ISP" nping -q --icmp -c 5 --delay 100ms -S 203.0.113.66 -e up0 10.77.0.1 >"$WORK/nping-in.log"
in_ns "$LAN" nping -q --icmp -c 3 --delay 100ms -S 10.77.0.10 -e eth0 198.51.100.53 >"$WORK/nping-out.log"
sleep 1
stop "$capture"
for pid in "${servers[@]}"; do stop "$pid"; done

echo "make-lab: exporting the capture with softflowd and pmacct"
for probe in "${PROBES[@]}"; do
  IFS=: read -r name version port <<<"$probe"
  ip netns exec "$EXP" dumpcap -q -P -i lo -f "udp dst port $port" -w "$WORK/lab/flows/$name.pcap" >"$WORK/$name-dumpcap.log" 2>&1 &
  export_capture=$!
  wait_capturing "$WORK/$name-dumpcap.log"
  case $name in
  softflowd-*)
    # -c none: softflowd 1.1.0 reading a file blocks in accept() on its control socket otherwise.
    in_ns "$EXP" timeout 60 softflowd -d -r "$WORK/lab/uplink.pcap" -n "127.0.0.1:$port" -v "$version" \
      -p "$WORK/$name.pid" -c none >"$WORK/$name.log" 2>&1
    ;;
  pmacct-*)
    cat >"$WORK/$name.conf" <<EOF
daemonize: false
pidfile: $WORK/$name.pid
pcap_savefile: $WORK/lab/uplink.pcap
plugins: nfprobe
nfprobe_receiver: 127.0.0.1:$port
nfprobe_version: $version
EOF
    in_ns "$EXP" timeout 60 pmacctd -f "$WORK/$name.conf" >"$WORK/$name.log" 2>&1
    ;;
  esac
  sleep 0.5
  stop "$export_capture"
done

# nfdump's reading: each captured export replayed, paced, into nfcapd (the probes send in a sub-millisecond burst
# that a collector's socket may drop).
echo "make-lab: reading the exports with nfcapd and nfdump"
collectors=()
replays=()
for probe in "${PROBES[@]}"; do
  IFS=: read -r name version port <<<"$probe"
  mkdir -p "$WORK/nfcapd-$name"
  ip netns exec "$EXP" nfcapd -b 127.0.0.1 -p "$port" -w "$WORK/nfcapd-$name" -t 3600 >"$WORK/nfcapd-$name.log" 2>&1 &
  collectors+=($!)
  replays+=("$WORK/lab/flows/$name.pcap:$port")
done
for probe in "${PROBES[@]}"; do wait_listening "$EXP" u "127.0.0.1:${probe##*:}"; done
in_ns "$EXP" "$TSX" "$TRAFFIC" replay 127.0.0.1 "${replays[@]}"
sleep 0.5
for pid in "${collectors[@]}"; do stop "$pid"; done
for probe in "${PROBES[@]}"; do
  name=${probe%%:*}
  csv=$WORK/lab/flows/$name.nfdump.csv
  # The fixtures' CSVs hold the header and the flows, without the summary nfdump appends.
  nfdump -R "$WORK/nfcapd-$name" -o csv | sed '/^Summary$/,$d' >"$csv"
  [ "$(wc -l <"$csv")" -gt 1 ] || die "nfdump read no flows from $name's export: $(cat "$WORK/nfcapd-$name.log")"
done

# dumpcap writes its files for root only; the tests reading the lab need not run as root.
chmod -R a+rX "$WORK/lab"
mkdir -p "$OUT"
rm -rf "$OUT/flows" "$OUT/uplink.pcap"
mv "$WORK/lab/uplink.pcap" "$WORK/lab/flows" "$OUT/"
echo "make-lab: wrote $OUT in $(($(date +%s) - started)) s"
