import Foundation
import NIOCore
import PostgresNIO

/// A result cell as text, whatever its PostgreSQL type (the client library
/// reads results in binary): what `ledger query` and the read models print.
/// Numbers and booleans read as SQLite's do (`1`/`0`), times as ISO 8601 in
/// UTC, `bytea` as `\x` and hex, arrays in PostgreSQL's `{a,b}` form.
enum PostgresCellText {
    /// The types whose text is a number (booleans are written 1 and 0).
    static let numberTypes: Set<PostgresDataType> = [.int2, .int4, .int8, .oid, .float4, .float8, .numeric, .bool]

    /// The indexes of `row`'s columns of a number type (every row of an answer has the same types).
    static func numberColumns(_ row: PostgresRandomAccessRow?) -> Set<Int> {
        guard let row else { return [] }
        return Set(row.enumerated().compactMap { numberTypes.contains($1.dataType) ? $0 : nil })
    }

    static func text(of cell: PostgresCell) -> String? {
        guard var bytes = cell.bytes else { return nil }
        switch cell.dataType {
        case .int2, .int4, .int8: return (try? cell.decode(Int64.self)).map(String.init)
        case .oid: return bytes.readInteger(as: UInt32.self).map(String.init)
        case .float4, .float8: return (try? cell.decode(Double.self)).map { "\($0)" }
        case .numeric: return (try? cell.decode(Decimal.self)).map { "\($0)" }
        case .bool: return (try? cell.decode(Bool.self)).map { $0 ? "1" : "0" }
        case .timestamptz: return bytes.readInteger(as: Int64.self).map { timestamp(microseconds: $0, zone: "Z") }
        case .timestamp: return bytes.readInteger(as: Int64.self).map { timestamp(microseconds: $0, zone: "") }
        case .date: return bytes.readInteger(as: Int32.self).map { day(Int64($0)) }
        case .time: return bytes.readInteger(as: Int64.self).map(clock)
        case .interval: return interval(&bytes)
        case .bytea: return "\\x" + bytes.readableBytesView.map { String(format: "%02x", $0) }.joined()
        case .uuid: return (try? cell.decode(UUID.self)).map { $0.uuidString.lowercased() }
        case .textArray, .varcharArray, .nameArray:
            return (try? cell.decode([String].self)).map { "{" + $0.map(arrayElement).joined(separator: ",") + "}" }
        case .int2Array, .int4Array, .int8Array:
            return (try? cell.decode([Int64].self)).map { "{" + $0.map(String.init).joined(separator: ",") + "}" }
        default: return try? cell.decode(String.self)
        }
    }

    /// PostgreSQL's epoch (2000-01-01 UTC) in Unix seconds.
    private static let epochSeconds: Int64 = 946_684_800

    /// `2026-12-05T18:04:05.123456Z`: microseconds are kept when the value has them.
    private static func timestamp(microseconds: Int64, zone: String) -> String {
        let seconds = microseconds.floorDivided(by: 1_000_000)
        let fraction = microseconds - seconds * 1_000_000
        let days = seconds.floorDivided(by: 86_400)
        return day(days) + "T" + clock(microseconds: (seconds - days * 86_400) * 1_000_000 + fraction) + zone
    }

    /// A day counted from 2000-01-01 as `YYYY-MM-DD` (the civil calendar).
    private static func day(_ days: Int64) -> String {
        let date = Date(timeIntervalSince1970: TimeInterval(epochSeconds + days * 86_400))
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? .current
        let parts = calendar.dateComponents([.year, .month, .day], from: date)
        return String(format: "%04d-%02d-%02d", parts.year ?? 0, parts.month ?? 0, parts.day ?? 0)
    }

    /// `HH:MM:SS`, with `.ffffff` when there is a fraction.
    private static func clock(microseconds: Int64) -> String {
        let seconds = microseconds / 1_000_000, fraction = microseconds % 1_000_000
        let text = String(format: "%02d:%02d:%02d", seconds / 3600, seconds / 60 % 60, seconds % 60)
        return fraction == 0 ? text : text + String(format: ".%06d", fraction)
    }

    private static func interval(_ bytes: inout ByteBuffer) -> String? {
        guard let microseconds = bytes.readInteger(as: Int64.self), let days = bytes.readInteger(as: Int32.self),
              let months = bytes.readInteger(as: Int32.self) else { return nil }
        var parts: [String] = []
        if months != 0 { parts.append("\(months) mons") }
        if days != 0 { parts.append("\(days) days") }
        if microseconds != 0 || parts.isEmpty {
            parts.append((microseconds < 0 ? "-" : "") + clock(microseconds: abs(microseconds)))
        }
        return parts.joined(separator: " ")
    }

    /// An array element quoted as PostgreSQL prints it when it must be.
    private static func arrayElement(_ text: String) -> String {
        let plain = !text.isEmpty && text.uppercased() != "NULL" && text.allSatisfy { !",{}\"\\ ".contains($0) }
        return plain ? text : "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }
}

private extension Int64 {
    func floorDivided(by divisor: Int64) -> Int64 {
        let quotient = self / divisor
        return (self % divisor != 0 && (self < 0) != (divisor < 0)) ? quotient - 1 : quotient
    }
}
