import LedgerCore

/// The named questions the admin pages, `ledger doctor`, `ledger audit` and
/// the operators ask of the ledger, each answered as a table by every engine
/// (``ReadModels/table(_:)``). One definition per question: a page and a
/// command that show the same thing ask the same read model.
public enum ReadModel: Sendable, Hashable {
    /// An auditor's report (``AuditReport``) over a window of record times.
    case audit(AuditReport, from: Timestamp?, to: Timestamp?, limit: Int?)
    /// Jobs by status: `status`, `jobs`.
    case jobsByStatus
    /// The most recently changed jobs.
    case recentJobs(limit: Int)
    /// Accounts' balances, by account.
    case balances(limit: Int)
    /// The `provider_health` view, by provider.
    case providerHealth
    /// Mean seconds from registration to the terminal fact, by provider and day: `provider`, `day`, `seconds`.
    case detectionLatencyByDay(limit: Int)
    /// Terminal outcomes by provider, the source that decided them and day:
    /// `provider`, `completion_source`, `day`, `jobs` (a silent webhook outage
    /// shows as polls taking over a provider's completions).
    case outcomesBySourceByDay(limit: Int)
    /// Webhooks that came after their job's outcome (``LateWebhookRow``), by
    /// provider: `provider`, `late_webhooks`, `lateness_p50_s`, `lateness_p95_s`
    /// (seconds after the outcome, nearest rank).
    case webhookLateness
    /// Status words a provider's profile does not know, by provider and word,
    /// last seen within the window when one is given.
    case unknownStatuses(seenFrom: Timestamp?, seenTo: Timestamp?)
    /// Notifications dead-lettered and not queued again: `job_id`, `notification_id`, `event`, `dead_lettered_at`, `status`,
    /// `dead_lettered_position`.
    case deadLetters(limit: Int)
    /// Open jobs stuck at `at` by the watchdog's rule (``WatchdogPolicy/awaited(_:)``
    /// and the thresholds of `policy`), by status: `status`, `jobs`, `oldest_since`, `oldest_age_s`.
    case stuckJobs(at: Timestamp, policy: WatchdogPolicy)
    /// The same jobs one by one, oldest first, registered within the window
    /// when one is given (`ledger audit stuck`): `job_id`, `account`,
    /// `provider`, `external_id`, `status`, `reason`, `age_s`,
    /// `registered_at`, `submitted_at`, `last_event_at`.
    case stuckList(at: Timestamp, policy: WatchdogPolicy, registeredFrom: Timestamp?, registeredTo: Timestamp?)
    /// Orphans not adopted, received before `before`, by provider: `provider`, `orphans`.
    case waitingOrphans(receivedBefore: Timestamp)
    /// Notifications queued before `before` and still open: `notifications` (no row for none).
    case overdueNotifications(queuedBefore: Timestamp)
    /// Providers whose jobs polls completed since `pollsSince` while their last
    /// webhook is older than `webhooksBefore` (a silent webhook outage):
    /// `provider`, `completed_by_poll`, `last_webhook_at`.
    case silentWebhooks(pollsSince: Timestamp, webhooksBefore: Timestamp)
    /// The log's last event when it is stamped after `after` (a clock that
    /// stepped back: events are stamped at the head's time until the clock
    /// passes it): `latest`; no row when it is not.
    case logAhead(of: Timestamp)
    /// One page of a list (``ListPage``).
    case page(ListPage)
}

