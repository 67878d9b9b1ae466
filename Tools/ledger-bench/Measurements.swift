import Foundation

/// Wall-clock helpers: medians and percentiles, never a single run.
enum Measure {
    static func seconds(_ body: () async throws -> Void) async rethrows -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        try await body()
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }

    static func median(_ values: [Double]) -> Double {
        percentile(values, 0.5)
    }

    /// Nearest-rank percentile.
    static func percentile(_ values: [Double], _ fraction: Double) -> Double {
        precondition(!values.isEmpty, "a percentile of nothing")
        let sorted = values.sorted()
        let rank = max(1, Int((fraction * Double(sorted.count)).rounded(.up)))
        return sorted[min(rank, sorted.count) - 1]
    }
}

/// The figures, printed as one table with ratios first-class.
struct Report {
    struct Line {
        var measure: String
        var store: String
        var baseline: String
        var ratio: String
    }

    var lines: [Line] = []

    mutating func add(_ measure: String, store: String, baseline: String = "", ratio: String = "") {
        lines.append(Line(measure: measure, store: store, baseline: baseline, ratio: ratio))
        print("  \(measure): \(store)\(baseline.isEmpty ? "" : " vs \(baseline) (\(ratio))")")
    }

    func printTable() {
        let header = Line(measure: "measure", store: "ledger store", baseline: "raw sqlite3 baseline", ratio: "ratio")
        let rows = [header] + lines
        func widest(_ column: (Line) -> String) -> Int { rows.map { column($0).count }.max() ?? 0 }
        let widths: [Int] = [widest(\.measure), widest(\.store), widest(\.baseline), widest(\.ratio)]
        func pad(_ text: String, _ width: Int) -> String { text + String(repeating: " ", count: width - text.count) }
        for (index, row) in rows.enumerated() {
            print("| " + [pad(row.measure, widths[0]), pad(row.store, widths[1]), pad(row.baseline, widths[2]),
                          pad(row.ratio, widths[3])].joined(separator: " | ") + " |")
            if index == 0 { print("|" + widths.map { String(repeating: "-", count: $0 + 2) }.joined(separator: "|") + "|") }
        }
    }
}

func rate(_ count: Int, _ seconds: Double) -> Double { Double(count) / seconds }

func formatted(_ value: Double, _ unit: String = "") -> String {
    let rounded = value >= 100 ? String(Int(value.rounded())) : String(format: "%.1f", value)
    var grouped = ""
    let digits = Array(rounded.split(separator: ".")[0])
    for (index, digit) in digits.enumerated() {
        if index > 0, (digits.count - index) % 3 == 0 { grouped += "," }
        grouped.append(digit)
    }
    if rounded.contains(".") { grouped += "." + rounded.split(separator: ".")[1] }
    return unit.isEmpty ? grouped : grouped + " " + unit
}
