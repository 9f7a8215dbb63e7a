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
    }
  ]
}
