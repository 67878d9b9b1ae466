/// Inline SVG charts for the provider page: drawn by the server, readable
/// without scripts, with a text table beside each for screen readers.
enum Charts {
    struct Series {
        var name: String
        var points: [(label: String, value: Double)]
    }

    /// Grouped bars, one group per label (e.g. a day), one bar per series.
    static func bars(_ series: [Series], title: String, unit: String) -> String {
        let labels = series.first?.points.map(\.label) ?? []
        guard !labels.isEmpty else { return "<p>No data yet.</p>" }
        let maxValue = max(series.flatMap { $0.points.map(\.value) }.max() ?? 1, 1)
        let width = 640.0, height = 200.0, left = 40.0, bottom = 24.0
        let groupWidth = (width - left) / Double(labels.count)
        let barWidth = min(40, max(2, groupWidth / Double(series.count + 1)))
        var shapes: [String] = []
        for (index, label) in labels.enumerated() {
            let x = left + Double(index) * groupWidth
            shapes.append("<text x=\"\(x + groupWidth / 2)\" y=\"\(height - 6)\" text-anchor=\"middle\" class=\"axis\">\(HTML.escape(label))</text>")
            let offset = (groupWidth - barWidth * Double(series.count)) / 2
            for (seriesIndex, one) in series.enumerated() where index < one.points.count {
                let value = one.points[index].value
                let barHeight = (height - bottom - 10) * value / maxValue
                shapes.append("<rect class=\"s\(seriesIndex)\" x=\"\(x + offset + Double(seriesIndex) * barWidth)\" y=\"\(height - bottom - barHeight)\" width=\"\(barWidth)\" height=\"\(barHeight)\"><title>\(HTML.escape(one.name)) \(HTML.escape(label)): \(value) \(HTML.escape(unit))</title></rect>")
            }
        }
        let legend = series.enumerated().map { "<span class=\"legend s\($0.offset)\">\(HTML.escape($0.element.name))</span>" }.joined(separator: " ")
        return """
            <figure><svg role="img" aria-label="\(HTML.escape(title))" viewBox="0 0 \(Int(width)) \(Int(height))" width="100%">
            <text x="4" y="14" class="axis">\(maxValue) \(HTML.escape(unit))</text>
            \(shapes.joined(separator: "\n"))</svg><figcaption>\(HTML.escape(title)) \(legend)</figcaption></figure>
            """
    }
}
