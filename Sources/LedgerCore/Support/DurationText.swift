/// Durations as the configuration writes them: `500ms`, `30s`, `5m`, `2h`, `90d`.
public enum DurationText {
    private static let units: [(suffix: String, milliseconds: Int64)] = [
        ("ms", 1), ("s", 1000), ("m", 60_000), ("h", 3_600_000), ("d", 86_400_000),
    ]

    /// Milliseconds, or `nil` when `text` is not a positive whole number with one of the units.
    public static func milliseconds(_ text: String) -> Int64? {
        for unit in units where text.hasSuffix(unit.suffix) {
            let number = text.dropLast(unit.suffix.count)
            // "5ms" also ends in "s": only a number may stand before the unit.
            guard let value = Int64(number), value > 0, value <= Int64.max / unit.milliseconds else { continue }
            return value * unit.milliseconds
        }
        return nil
    }

    /// `milliseconds` (positive) in the largest unit that holds it whole: 7,200,000 is `2h`.
    public static func text(milliseconds: Int64) -> String {
        let unit = units.last { milliseconds % $0.milliseconds == 0 } ?? units[0]
        return "\(milliseconds / unit.milliseconds)\(unit.suffix)"
    }
}
