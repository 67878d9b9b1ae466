import Foundation

/// Inline SVG charts, drawn by the server and readable without scripts:
/// a y axis with round ticks and its unit, day labels thinned to fit,
/// a legend, and the numbers themselves in a folded table.
enum Charts {
    struct Series {
        var name: String
        /// One value per label, in the labels' order; nil: no value that day.
        var values: [Double?]
    }

    static let width = 720.0, height = 250.0, left = 64.0, right = 12.0, top = 30.0, bottom = 28.0

    /// Stacked bars, one per label: counts that add up (jobs by source).
    static func stackedBars(_ series: [Series], labels: [String], title: String, unit: String) -> String {
        guard !labels.isEmpty else { return empty(title) }
        let totals = labels.indices.map { index in series.reduce(0) { $0 + ($1.values[index] ?? 0) } }
        let scale = Scale(maximum: totals.max() ?? 0)
        let slot = plotWidth / Double(labels.count)
        let barWidth = min(48, max(1, slot * 0.7))
        var shapes: [String] = []
        for index in labels.indices {
            var base = 0.0
            let x = left + Double(index) * slot + (slot - barWidth) / 2
            for (seriesIndex, one) in series.enumerated() {
                let value = one.values[index] ?? 0
                guard value > 0 else { continue }
                let y0 = scale.y(base), y1 = scale.y(base + value)
                shapes.append("<rect class=\"s\(seriesIndex % 5)\" x=\(fmt(x)) y=\(fmt(y1)) width=\(fmt(barWidth)) height=\(fmt(y0 - y1))>"
                              + "<title>\(HTML.escape(labels[index])) \(HTML.escape(one.name)): \(number(value)) \(HTML.escape(unit))</title></rect>")
                base += value
            }
        }
        return figure(title: title, unit: unit, scale: scale, labels: labels, shapes: shapes, series: series, legendShape: "bar")
    }

    /// Lines, one per series: values that do not add up (mean seconds, shares).
    static func lines(_ series: [Series], labels: [String], title: String, unit: String, maximum: Double? = nil) -> String {
        guard !labels.isEmpty else { return empty(title) }
        let scale = maximum.map(Scale.init(top:)) ?? Scale(maximum: series.flatMap { $0.values.compactMap { $0 } }.max() ?? 0)
        let slot = plotWidth / Double(labels.count)
        var shapes: [String] = []
        for (seriesIndex, one) in series.enumerated() {
            let points = one.values.enumerated().compactMap { index, value in
                value.map { (x: left + slot * (Double(index) + 0.5), y: scale.y($0), label: labels[index], value: $0) }
            }
            if points.count > 1 {
                shapes.append("<polyline class=\"line s\(seriesIndex % 5)\" points=\"\(points.map { "\(raw($0.x)),\(raw($0.y))" }.joined(separator: " "))\"/>")
            }
            for point in points {
                shapes.append("<circle class=\"s\(seriesIndex % 5)\" cx=\(fmt(point.x)) cy=\(fmt(point.y)) r=\"3\">"
                              + "<title>\(HTML.escape(point.label)) \(HTML.escape(one.name)): \(number(point.value)) \(HTML.escape(unit))</title></circle>")
            }
        }
        return figure(title: title, unit: unit, scale: scale, labels: labels, shapes: shapes, series: series, legendShape: "line")
    }

    // MARK: Parts

    /// A y axis from 0 to a round maximum (1, 2 or 5 times a power of ten), in four steps.
    struct Scale {
        var top: Double

        /// A fixed top, for a measure with one (a share: 100).
        init(top: Double) {
            self.top = top
        }

        init(maximum: Double) {
            let raw = max(maximum, 1e-9) / 4
            let power = pow(10, floor(log10(raw)))
            let step = [1.0, 2, 5, 10].map { $0 * power }.first { $0 >= raw } ?? 10 * power
            top = maximum <= 0 ? 4 : step * 4
        }

        var ticks: [Double] { (0...4).map { top * Double($0) / 4 } }

        func y(_ value: Double) -> Double {
            Charts.height - Charts.bottom - (Charts.height - Charts.bottom - Charts.top) * value / top
        }
    }

    static var plotWidth: Double { width - left - right }

    private static func figure(title: String, unit: String, scale: Scale, labels: [String], shapes: [String],
                               series: [Series], legendShape: String) -> String {
        let grid = scale.ticks.map { tick in
            "<line class=\"grid\" x1=\(fmt(left)) x2=\(fmt(width - right)) y1=\(fmt(scale.y(tick))) y2=\(fmt(scale.y(tick)))/>"
                + "<text class=\"axis\" x=\(fmt(left - 6)) y=\(fmt(scale.y(tick) + 4)) text-anchor=\"end\">\(number(tick))</text>"
        }
        // At most about ten day labels, evenly spaced, the last one always shown.
        let every = max(1, Int((Double(labels.count) / 10).rounded(.up)))
        let slot = plotWidth / Double(labels.count)
        let xLabels = labels.indices.filter { ($0 % every == 0 && labels.count - 1 - $0 >= every / 2) || $0 == labels.count - 1 }.map { index in
            "<text class=\"axis\" x=\(fmt(left + slot * (Double(index) + 0.5))) y=\(fmt(height - 8)) text-anchor=\"middle\">\(HTML.escape(labels[index]))</text>"
        }
        let legend = series.enumerated().map { "<li class=\"legend \(legendShape) s\($0.offset % 5)\">\(HTML.escape($0.element.name))</li>" }.joined()
        return """
            <figure><figcaption><strong>\(HTML.escape(title))</strong><ul class="legends">\(legend)</ul></figcaption>
            <svg role="img" aria-label="\(HTML.escape(title))" viewBox="0 0 \(Int(width)) \(Int(height))" width="100%" preserveAspectRatio="xMinYMin meet">
            <text class="axis unit" x="4" y="14">\(HTML.escape(unit))</text>
            \(grid.joined())
            <line class="baseline" x1=\(fmt(left)) x2=\(fmt(width - right)) y1=\(fmt(scale.y(0))) y2=\(fmt(scale.y(0)))/>
            \(shapes.joined(separator: "\n"))
            \(xLabels.joined())
            </svg>
            \(dataTable(series, labels: labels, unit: unit))</figure>
            """
    }

    /// The numbers behind the chart, folded: for screen readers and for reading exact values.
    private static func dataTable(_ series: [Series], labels: [String], unit: String) -> String {
        let rows = labels.indices.reversed().map { index in
            [labels[index]] + series.map { $0.values[index].map(number) }
        }
        return "<details><summary>The numbers (\(HTML.escape(unit)))</summary>"
            + HTML.table(["day"] + series.map(\.name), rows, caption: "By day, latest first") + "</details>"
    }

    private static func empty(_ title: String) -> String {
        "<p class=\"empty\"><strong>\(HTML.escape(title))</strong>: no data yet.</p>"
    }

    /// Whole numbers as such, small ones to three significant digits (0.0025), the rest to one decimal.
    static func number(_ value: Double) -> String {
        if value == value.rounded() && abs(value) < 1e15 { return String(Int64(value)) }
        return abs(value) < 10 ? String(format: "%.3g", value) : String(format: "%.1f", value)
    }

    /// A coordinate as a quoted attribute value.
    private static func fmt(_ value: Double) -> String { "\"\(raw(value))\"" }

    private static func raw(_ value: Double) -> String { String(format: "%.1f", value) }

    /// Every day from the first to the last of `days` (`YYYY-MM-DD`), at most the last `limit` of them.
    static func dayRange(_ days: some Sequence<String>, limit: Int = 90) -> [String] {
        let sorted = Set(days).sorted()
        guard let first = sorted.first.flatMap(ListQuery.startOfDay), let last = sorted.last.flatMap(ListQuery.startOfDay) else { return [] }
        let count = Int((last.millisecondsSinceEpoch - first.millisecondsSinceEpoch) / 86_400_000) + 1
        return (max(0, count - limit)..<count).map { String(first.adding(milliseconds: Int64($0) * 86_400_000).iso8601.prefix(10)) }
    }
}
