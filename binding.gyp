{
  "targets": [
    {
      "target_name": "udp_receiver",
      "sources": ["plugins/netflow/native/udp_receiver.c"],
      "cflags": ["-O2", "-Wall", "-Wextra", "-std=gnu11"],
      "conditions": [["OS!='linux'", {"type": "none", "sources": []}]]
    },
    {
      "target_name": "zeek_conn",
      "sources": ["codecs/zeek/native/zeek_conn.c"],
      "cflags": ["-O2", "-Wall", "-Wextra", "-std=gnu11", "-ffp-contract=off"],
      "conditions": [["OS!='linux'", {"type": "none", "sources": []}]]
    },
    {
      "target_name": "pcap_meter",
      "sources": [
        "codecs/pcap/native/addon.c",
        "codecs/pcap/native/capture.c",
        "codecs/pcap/native/conn-state.c",
        "codecs/pcap/native/meter.c",
        "codecs/pcap/native/packet.c",
        "codecs/pcap/native/recorder.c",
        "codecs/pcap/native/select.c"
      ],
      "include_dirs": ["src/native"],
      "cflags": ["-O3", "-Wall", "-Wextra", "-std=gnu11"],
      "conditions": [["OS!='linux'", {"type": "none", "sources": []}]]
    },
    {
      "target_name": "pcap_tap",
      "sources": ["plugins/tap/native/addon.c", "plugins/tap/native/filter.c", "plugins/tap/native/ring.c"],
      "include_dirs": ["src/native"],
      "cflags": ["-O2", "-Wall", "-Wextra", "-std=gnu11"],
      "libraries": ["-ldl"],
      "conditions": [["OS!='linux'", {"type": "none", "sources": [], "libraries": []}]]
    }
  ]
}
