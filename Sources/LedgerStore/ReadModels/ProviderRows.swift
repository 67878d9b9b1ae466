/// The rows of the read models about providers over time: the admin
/// provider charts read these.

/// ``ReadModel/outcomesBySourceByDay(limit:)``: one provider's jobs ended on
/// one day by one source of evidence.
public struct OutcomeCount: ReadRow {
    public var provider: String
    public var completionSource: String
    public var day: String
    public var jobs: Int

    public init(_ record: ReadTable.Record) {
        provider = record["provider"] ?? ""
        completionSource = record["completion_source"] ?? ""
        day = record["day"] ?? ""
        jobs = record.count("jobs")
    }
}

/// ``ReadModel/detectionLatencyByDay(limit:)``: one provider's mean seconds
/// from registration to the outcome, on one day.
public struct DetectionLatency: ReadRow {
    public var provider: String
    public var day: String
    public var seconds: Double?

    public init(_ record: ReadTable.Record) {
        provider = record["provider"] ?? ""
        day = record["day"] ?? ""
        seconds = record["seconds"].flatMap(Double.init)
    }
}
