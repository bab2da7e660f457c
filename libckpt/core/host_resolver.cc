// libckpt/core/host_resolver.cc: see host_resolver.h. Checkpoint path: yes.
#include "core/host_resolver.h"

#include <sys/socket.h>

#include "core/proc_maps.h"
#include "sys/str.h"

namespace ckpt {

namespace {

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Parses up to 8 colon-separated groups of `s` (no "::"); returns how many, -1 on error.
// An embedded dotted IPv4 tail counts as two groups.
int parse_groups(const char* s, const char* end, uint16_t* groups, int cap) {
  int n = 0;
  for (const char* p = s; p < end;) {
    const char* q = p;
    while (q < end && *q != ':') ++q;
    char part[16];
    size_t len = static_cast<size_t>(q - p);
    if (len == 0 || len >= sizeof part) return -1;
    sys::mem_copy(part, p, len);
    part[len] = '\0';
    uint8_t v4[4];
    if (q == end && n + 2 <= cap && parse_ipv4_address(part, v4)) {
      groups[n++] = static_cast<uint16_t>(v4[0] << 8 | v4[1]);
      groups[n++] = static_cast<uint16_t>(v4[2] << 8 | v4[3]);
      return n;
    }
    uint32_t v = 0;
    for (size_t i = 0; i < len; ++i) {
      int d = hex_digit(part[i]);
      if (d < 0 || len > 4) return -1;
      v = v << 4 | static_cast<uint32_t>(d);
    }
    if (n >= cap) return -1;
    groups[n++] = static_cast<uint16_t>(v);
    p = q < end ? q + 1 : q;
    if (q < end && p == end) return -1;  // trailing ':'
  }
  return n;
}

// Copies the name part of "[addr]" or "addr%zone" into buf.
const char* strip_decoration(const char* s, char* buf, size_t cap) {
  if (*s == '[') ++s;
  size_t n = 0;
  while (s[n] != '\0' && s[n] != ']' && s[n] != '%' && n + 1 < cap) ++n;
  sys::mem_copy(buf, s, n);
  buf[n] = '\0';
  return buf;
}

bool parse_address(const char* s, HostAddress* out) {
  if (parse_ipv4_address(s, out->bytes)) {
    out->family = AF_INET;
    return true;
  }
  if (parse_ipv6_address(s, out->bytes)) {
    out->family = AF_INET6;
    return true;
  }
  return false;
}

bool is_blank(char c) { return c == ' ' || c == '\t'; }

// One /etc/hosts line (NUL-terminated, comment already cut): address, then names.
bool match_hosts_line(char* line, const char* name, HostAddress* out) {
  char* p = line;
  while (is_blank(*p)) ++p;
  char* addr = p;
  while (*p != '\0' && !is_blank(*p)) ++p;
  if (*p == '\0') return false;
  *p++ = '\0';
  while (*p != '\0') {
    while (is_blank(*p)) ++p;
    char* w = p;
    while (*p != '\0' && !is_blank(*p)) ++p;
    char save = *p;
    *p = '\0';
    bool match = *w != '\0' && sys::str_eq(w, name);
    *p = save;
    if (match) return parse_address(addr, out);
  }
  return false;
}

bool lookup_hosts_file(const char* name, HostAddress* out) {
  static char buf[65536];
  long n = read_proc_file("/etc/hosts", buf, sizeof buf - 1);
  if (n <= 0) return false;
  buf[n] = '\0';
  for (char* line = buf; line < buf + n;) {
    char* eol = line;
    while (*eol != '\0' && *eol != '\n') ++eol;
    char* next = *eol == '\0' ? eol : eol + 1;
    *eol = '\0';
    for (char* c = line; c < eol; ++c) {
      if (*c == '#') *c = '\0';
    }
    if (match_hosts_line(line, name, out)) return true;
    line = next;
  }
  return false;
}

}  // namespace

bool parse_ipv4_address(const char* s, uint8_t out[4]) {
  for (int part = 0; part < 4; ++part) {
    const char* end;
    if (*s < '0' || *s > '9') return false;
    uint64_t n = sys::parse_u64(s, &end);
    if (n > 255 || (part < 3 && *end != '.') || (part == 3 && *end != '\0')) return false;
    out[part] = static_cast<uint8_t>(n);
    s = end + 1;
  }
  return true;
}

bool parse_ipv6_address(const char* s, uint8_t out[16]) {
  const char* end = s + sys::str_len(s);
  const char* gap = nullptr;
  for (const char* p = s; p + 1 < end; ++p) {
    if (p[0] == ':' && p[1] == ':') {
      gap = p;
      break;
    }
  }
  uint16_t head[8] = {}, tail[8] = {};
  int nh = 0, nt = 0;
  if (gap == nullptr) {
    nh = parse_groups(s, end, head, 8);
    if (nh != 8) return false;
  } else {
    nh = gap == s ? 0 : parse_groups(s, gap, head, 7);
    nt = gap + 2 == end ? 0 : parse_groups(gap + 2, end, tail, 7);
    if (nh < 0 || nt < 0 || nh + nt > 7) return false;
  }
  uint16_t all[8] = {};
  for (int i = 0; i < nh; ++i) all[i] = head[i];
  for (int i = 0; i < nt; ++i) all[8 - nt + i] = tail[i];
  for (int i = 0; i < 8; ++i) {
    out[2 * i] = static_cast<uint8_t>(all[i] >> 8);
    out[2 * i + 1] = static_cast<uint8_t>(all[i]);
  }
  return true;
}

bool resolve_host(const char* host, HostAddress* out) {
  if (host == nullptr || host[0] == '\0' || sys::str_eq(host, "localhost")) {
    *out = HostAddress{};
    out->family = AF_INET;
    out->bytes[0] = 127;
    out->bytes[3] = 1;
    return true;
  }
  char bare[256];
  if (parse_address(strip_decoration(host, bare, sizeof bare), out)) return true;
  return lookup_hosts_file(host, out);
}

unsigned fill_sockaddr(const HostAddress& a, uint16_t port, sockaddr_in6* storage) {
  sys::mem_zero(storage, sizeof *storage);
  if (a.family == AF_INET6) {
    storage->sin6_family = AF_INET6;
    storage->sin6_port = __builtin_bswap16(port);
    sys::mem_copy(&storage->sin6_addr, a.bytes, 16);
    return sizeof(sockaddr_in6);
  }
  auto* sin = reinterpret_cast<sockaddr_in*>(storage);
  sin->sin_family = AF_INET;
  sin->sin_port = __builtin_bswap16(port);
  sys::mem_copy(&sin->sin_addr, a.bytes, 4);
  return sizeof(sockaddr_in);
}

}  // namespace ckpt
