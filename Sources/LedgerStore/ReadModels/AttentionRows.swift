import LedgerCore

/// The rows of the read models that say what needs a person now
/// (``DoctorChecks``): `ledger doctor` and the admin front page read these.

/// ``ReadModel/stuckJobs(at:policy:)``: the stuck jobs of one status.
public struct StuckCount: ReadRow {
    public var status: String
    public var jobs: Int
    public var oldestAgeSeconds: Int

    public init(_ record: ReadTable.Record) {
        status = record["status"] ?? ""
        jobs = record.count("jobs")
        oldestAgeSeconds = record.count("oldest_age_s")
    }
}

/// ``ReadModel/waitingOrphans(receivedBefore:)``: one provider's waiting orphans.
public struct WaitingOrphans: ReadRow {
    public var provider: String
    public var orphans: Int

    public init(_ record: ReadTable.Record) {
        provider = record["provider"] ?? ""
        orphans = record.count("orphans")
    }
}

/// ``ReadModel/overdueNotifications(queuedBefore:)``.
public struct OverdueNotifications: ReadRow {
    public var notifications: Int

    public init(_ record: ReadTable.Record) { notifications = record.count("notifications") }
}

/// ``ReadModel/deadLetters(limit:)``: a notification the app never accepted.
public struct DeadLetter: ReadRow {
    public var jobID: String
    public var notificationID: String
    public var event: String
    public var deadLetteredAt: Timestamp?
    /// The job's status now.
    public var status: String
    public var position: Int

    public init(_ record: ReadTable.Record) {
        jobID = record["job_id"] ?? ""
        notificationID = record["notification_id"] ?? ""
        event = record["event"] ?? ""
        deadLetteredAt = record.time("dead_lettered_at")
        status = record["status"] ?? ""
        position = record.count("dead_lettered_position")
    }
}

/// ``ReadModel/silentWebhooks(pollsSince:webhooksBefore:)``: a provider gone quiet.
public struct SilentWebhooks: ReadRow {
    public var provider: String
    public var completedByPoll: Int
    /// Its last webhook, nil for never.
    public var lastWebhookAt: String?

    public init(_ record: ReadTable.Record) {
        provider = record["provider"] ?? ""
        completedByPoll = record.count("completed_by_poll")
        lastWebhookAt = record["last_webhook_at"]
    }
}

/// ``ReadModel/unknownStatuses(seenFrom:seenTo:)``: a status word a provider's profile does not know.
public struct UnknownStatusWord: ReadRow {
    public var provider: String
    public var rawStatus: String
    public var reports: Int
    public var lastSeenAt: Timestamp?

    public init(_ record: ReadTable.Record) {
        provider = record["provider"] ?? ""
        rawStatus = record["raw_status"] ?? ""
        reports = record.count("reports")
        lastSeenAt = record.time("last_seen_at")
    }
}

/// ``ReadModel/jobsByStatus``: how many jobs have one status.
public struct StatusCount: ReadRow {
    public var status: String
    public var jobs: Int

    public init(_ record: ReadTable.Record) {
        status = record["status"] ?? ""
        jobs = record.count("jobs")
    }
}

/// ``ReadModel/logAhead(of:)``: the time the log's last event is stamped with.
public struct LogAhead: ReadRow {
    public var latest: String

    public init(_ record: ReadTable.Record) {
        latest = record["latest"] ?? ""
    }
}
