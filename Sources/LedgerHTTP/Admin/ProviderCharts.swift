import LedgerStore

/// Provider health over time, from the read models: how each provider's
/// jobs ended (by webhook, by poll, by the watchdog) per day, the share the
/// polls decided, and the mean time to detect an outcome. A webhook outage
/// shows as the poll share rising while webhooks fall.
struct ProviderCharts {
    let outcomes: [OutcomeCount]
    let latency: [DetectionLatency]

    init(outcomes: ReadTable, latency: ReadTable) {
        self.outcomes = outcomes.decoded()
        self.latency = latency.decoded()
    }

    var html: String {
        let days = Charts.dayRange(outcomes.map(\.day) + latency.map(\.day))
        let providers = Set(outcomes.map(\.provider)).sorted()
        let span = days.count == 1 ? "one day" : "the last \(days.count) days"
        var parts = [
            Charts.stackedBars(sourceSeries(providers: nil, days: days), labels: Self.short(days),
                               title: "How jobs ended, by day, all providers (\(span))", unit: "jobs"),
            pollShareChart(providers, days: days),
            latencyChart(providers, days: days),
        ]
        for provider in providers {
            parts.append(Charts.stackedBars(sourceSeries(providers: [provider], days: days), labels: Self.short(days),
                                            title: "\(provider): how jobs ended, by day", unit: "jobs"))
        }
        return parts.joined(separator: "\n")
    }

    /// The jobs the outcome rows count.
    private static func jobs(_ rows: [OutcomeCount]) -> Double { rows.reduce(0.0) { $0 + Double($1.jobs) } }

    /// `2026-11-23` → `11-23`.
    static func short(_ days: [String]) -> [String] { days.map { String($0.suffix(5)) } }

    /// Jobs per day for each completion source, over `providers` (nil: all).
    private func sourceSeries(providers: Set<String>?, days: [String]) -> [Charts.Series] {
        let rows = outcomes.filter { providers?.contains($0.provider) ?? true }
        // Every source any provider has, in every chart, so a colour means one source throughout.
        let sources = Set(outcomes.map(\.completionSource)).sorted { Self.sourceOrder($0) < Self.sourceOrder($1) }
        return sources.map { source in
            Charts.Series(name: "by \(source)", values: days.map { day in
                Self.jobs(rows.filter { $0.completionSource == source && $0.day == day })
            })
        }
    }

    /// The share of each provider's outcomes a poll found rather than a
    /// webhook, by day, or by week past a month (a day has too few jobs to
    /// make a share).
    private func pollShareChart(_ providers: [String], days: [String]) -> String {
        let size = days.count > 31 ? 7 : 1
        // Buckets end on the last day, so the latest week is a whole one.
        let buckets = stride(from: days.count, to: 0, by: -size).map { end in Array(days[max(0, end - size)..<end]) }.reversed()
        let series = providers.map { provider in
            Charts.Series(name: provider, values: buckets.map { bucket in
                // As the provider_health view counts it: of the outcomes a webhook or a poll found.
                let rows = outcomes.filter {
                    $0.provider == provider && bucket.contains($0.day) && ["webhook", "poll"].contains($0.completionSource)
                }
                let total = Self.jobs(rows)
                let polled = Self.jobs(rows.filter { $0.completionSource == "poll" })
                return total > 0 ? (100 * polled / total).rounded() : nil
            })
        }
        return Charts.lines(series, labels: Self.short(buckets.map { $0[0] }),
                            title: "Poll share: outcomes found by a poll rather than a webhook, by \(size == 1 ? "day" : "week (starting)")",
                            unit: "%", maximum: 100)
    }

    /// Mean time to detect, in the unit its largest value reads best in.
    private func latencyChart(_ providers: [String], days: [String]) -> String {
        var series = providers.map { provider in
            Charts.Series(name: provider, values: days.map { day in
                latency.first { $0.provider == provider && $0.day == day }?.seconds
            })
        }
        let largest = series.flatMap { $0.values.compactMap { $0 } }.max() ?? 0
        let (unit, divisor) = largest >= 172_800 ? ("days", 86_400.0) : largest >= 7_200 ? ("hours", 3_600.0)
            : largest >= 120 ? ("minutes", 60.0) : ("seconds", 1.0)
        for index in series.indices { series[index].values = series[index].values.map { $0.map { $0 / divisor } } }
        return Charts.lines(series, labels: Self.short(days),
                            title: "Mean time from registration to the outcome, by provider and day", unit: unit)
    }

    /// Webhook first, then poll, watchdog and the rest, so colours keep their meaning.
    private static func sourceOrder(_ source: String) -> Int {
        ["webhook", "poll", "watchdog", "app", "manual"].firstIndex(of: source) ?? 9
    }
}
