import Foundation

/// Which addresses outbound requests (polls, notifications) may reach:
/// never loopback, link-local, private, shared (CGNAT), multicast or
/// unspecified ranges, unless the configuration allows private targets. The
/// check runs on the addresses a name resolves to, so the odd spellings of
/// 127.0.0.1 (`2130706433`, `0x7f.1`, `0177.0.0.1`, `[::ffff:127.0.0.1]`) and a
/// DNS name pointing at 10.0.0.1 are caught alike.
public enum AddressPolicy {
    /// Why `address` (4 or 16 bytes) is refused, or nil when it is public.
    public static func refusal(_ address: [UInt8]) -> String? {
        switch address.count {
        case 4: return refusalV4(address)
        case 16: return refusalV6(address)
        default: return "not an IP address"
        }
    }

    /// Why a URL's `host` is refused without resolving anything: `localhost`,
    /// or an address written out (in any spelling `getaddrinfo` reads as a
    /// number) that ``refusal(_:)`` refuses. A name is judged when it is
    /// called, on what it resolves to then; this is for the configuration,
    /// so a loopback or private target the ledger would refuse at every call
    /// stops the command at start instead.
    public static func literalRefusal(host: String) -> String? {
        let name = host.trimmingCharacters(in: CharacterSet(charactersIn: "[]")).lowercased()
        if name == "localhost" || name.hasSuffix(".localhost") { return "loopback (localhost)" }
        var hints = addrinfo()
        hints.ai_flags = AI_NUMERICHOST
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var result: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(name, nil, &hints, &result) == 0, let info = result?.pointee, let raw = info.ai_addr else { return nil }
        defer { freeaddrinfo(result) }
        var bytes: [UInt8] = []
        if info.ai_family == AF_INET {
            raw.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { var address = $0.pointee.sin_addr; bytes = withUnsafeBytes(of: &address) { Array($0) } }
        } else if info.ai_family == AF_INET6 {
            raw.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { var address = $0.pointee.sin6_addr; bytes = withUnsafeBytes(of: &address) { Array($0) } }
        }
        return bytes.isEmpty ? nil : refusal(bytes)
    }

    private static func refusalV4(_ a: [UInt8]) -> String? {
        switch (a[0], a[1]) {
        case (0, _): return "unspecified (0.0.0.0/8)"
        case (10, _): return "private (10.0.0.0/8)"
        case (100, 64...127): return "shared address space (100.64.0.0/10)"
        case (127, _): return "loopback (127.0.0.0/8)"
        case (169, 254): return "link-local (169.254.0.0/16, cloud metadata among them)"
        case (172, 16...31): return "private (172.16.0.0/12)"
        case (192, 168): return "private (192.168.0.0/16)"
        case (192, 0) where a[2] == 0: return "IETF protocol assignments (192.0.0.0/24)"
        case (198, 18...19): return "benchmarking (198.18.0.0/15)"
        case (224...239, _): return "multicast (224.0.0.0/4)"
        case (240...255, _): return "reserved or broadcast (240.0.0.0/4)"
        default: return nil
        }
    }

    private static func refusalV6(_ a: [UInt8]) -> String? {
        if a.allSatisfy({ $0 == 0 }) { return "unspecified (::)" }
        if a[0..<15].allSatisfy({ $0 == 0 }) && a[15] == 1 { return "loopback (::1)" }
        // IPv4-mapped (::ffff:a.b.c.d) and IPv4-compatible (::a.b.c.d): judge the IPv4 inside.
        if a[0..<10].allSatisfy({ $0 == 0 }) && ((a[10] == 0xff && a[11] == 0xff) || (a[10] == 0 && a[11] == 0)) {
            return refusalV4(Array(a[12..<16])).map { "IPv4 inside IPv6: " + $0 }
        }
        // IPv4-translated (::ffff:0:a.b.c.d), NAT64 (64:ff9b::/96 and the local-use 64:ff9b:1::/48), 6to4 (2002::/16).
        if a[0..<8].allSatisfy({ $0 == 0 }) && a[8] == 0xff && a[9] == 0xff && a[10] == 0 && a[11] == 0 {
            return refusalV4(Array(a[12..<16])).map { "IPv4-translated: " + $0 }
        }
        if a[0] == 0x00 && a[1] == 0x64 && a[2] == 0xff && a[3] == 0x9b { return refusalV4(Array(a[12..<16])).map { "NAT64: " + $0 } }
        if a[0] == 0x20 && a[1] == 0x02 { return refusalV4(Array(a[2..<6])).map { "6to4: " + $0 } }
        if a[0] & 0xfe == 0xfc { return "unique local (fc00::/7)" }
        if a[0] == 0xfe && a[1] & 0xc0 == 0x80 { return "link-local (fe80::/10)" }
        if a[0] == 0xfe && a[1] & 0xc0 == 0xc0 { return "site-local (fec0::/10)" }
        if a[0] == 0xff { return "multicast (ff00::/8)" }
        return nil
    }
}
