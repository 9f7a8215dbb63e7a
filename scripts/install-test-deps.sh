#!/usr/bin/env bash
# What the full test run needs beyond Node.js, installed from Debian's packages (run as root, or with sudo):
# Java 17 and Maven (the embedded Elasticsearch and Kafka), a C compiler, make and python3 (the native addons
# npm ci builds), and the reference tools and peers the tests compare flowtrail with: tshark (a second decoder),
# softflowd, pmacct and fprobe (real NetFlow/IPFIX probes), curl, iperf3 and nmap (traffic in network
# namespaces made with iproute2), tcpreplay, nfdump/nfcapd (the reference collector), Argus, snmpd (an agent the
# SNMP poller asks), Chromium (the browser the web console's tests drive) and tmux (the terminal `watch`'s test
# drives). Go (1.21 or later, which fetches the toolchain a module asks for) is expected on the machine: the tests
# build GoFlow2 and Filebeat's NetFlow input from their Go modules; Debian's golang-go is too old for them.
set -euo pipefail

export DEBIAN_FRONTEND=noninteractive
need=()
command -v java >/dev/null || need+=(openjdk-17-jdk-headless)
command -v mvn >/dev/null || need+=(maven)
for pair in gcc:gcc make:make python3:python3 tshark:tshark softflowd:softflowd pmacctd:pmacct fprobe:fprobe \
  nmap:nmap iperf3:iperf3 curl:curl ip:iproute2 tcpreplay:tcpreplay nfcapd:nfdump argus:argus-server snmpd:snmpd \
  racluster:argus-client chromium:chromium tmux:tmux; do
  command -v "${pair%%:*}" >/dev/null || need+=("${pair#*:}")
done
if [ "${#need[@]}" -eq 0 ]; then
  echo "everything the tests need is installed"
  exit 0
fi
# wireshark-common asks whether non-root users may capture; answering beforehand keeps the install unattended.
echo 'wireshark-common wireshark-common/install-setuid boolean false' | debconf-set-selections
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${need[@]}"
