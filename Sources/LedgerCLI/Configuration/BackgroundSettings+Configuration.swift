import LedgerBackground
import LedgerCore
import LedgerProviders

extension BackgroundSettings {
    /// The poller's, the watchdog's, the notifier's and retention's settings,
    /// and where to poll each provider.
    init(_ sources: ConfigurationSources, providers: some Sequence<String>) throws(ConfigurationError) {
        self.init()
        let scheduleText = sources.text(.pollSchedule) ?? ""
        guard let schedule = PollSchedule(parsing: scheduleText) else {
            throw ConfigurationError(key: Setting.pollSchedule.environmentName, detail: "\(scheduleText) is not like first:5m,2m@15m,5m@60m,15m")
        }
        pollSchedule = schedule
        watchdog = WatchdogPolicy(stuckAfterMilliseconds: try sources.requiredWholeSeconds(.stuckAfter),
                                  deadlineMilliseconds: try sources.requiredWholeSeconds(.deadline),
                                  submitDeadlineMilliseconds: try sources.requiredWholeSeconds(.submitDeadline))
        watchdogIntervalMilliseconds = try sources.requiredMilliseconds(.watchdogInterval)
        retainBodiesMilliseconds = sources.text(.retainBodies) == "off"
            ? nil : try sources.milliseconds(.retainBodies, example: "30d or 90d, or off to keep them")
        let notifyScheduleText = sources.text(.notifySchedule) ?? ""
        guard let notifySchedule = RetrySchedule(parsing: notifyScheduleText) else {
            throw ConfigurationError(key: Setting.notifySchedule.environmentName, detail: "\(notifyScheduleText) is not a list of durations like 5s,5m,30m")
        }
        self.notifySchedule = notifySchedule
        allowPrivateTargets = try sources.flag(.allowPrivateTargets)
        responseBytesMax = try sources.bytes(.maxBody, max: ServerSettings.bodyBytesMaxLimit)
        try readNotifyTarget(sources)
        for name in providers {
            let endpoint = ProviderEndpoint(baseURL: sources.configured(.provider(name, "base_url")),
                                            apiKey: sources.configured(.provider(name, "api_key")),
                                            pollHeadURL: sources.configured(.provider(name, "poll_head_url")))
            try Self.checkAddresses(endpoint, provider: name)
            if endpoint != ProviderEndpoint() { endpoints[name] = endpoint }
        }
    }

    /// A provider's base URL and HEAD template (its `{external_id}` stands for an id) must be http(s) URLs with a host.
    private static func checkAddresses(_ endpoint: ProviderEndpoint, provider name: String) throws(ConfigurationError) {
        let addresses = [("base_url", endpoint.baseURL),
                         ("poll_head_url", endpoint.pollHeadURL.map { PollProfile.filling($0, with: "id") })]
        for case let (key, url?) in addresses {
            if let problem = HTTPURL.problem(url) { throw ConfigurationError(key: Setting.provider(name, key).environmentName, detail: problem) }
        }
    }

    /// A target the outbound client would refuse at every call (loopback,
    /// private) stops the command now, unless private targets are allowed.
    private func checkReachable(_ url: String, key: String) throws(ConfigurationError) {
        guard !allowPrivateTargets, let host = HTTPURL.components(url)?.host, let refusal = AddressPolicy.literalRefusal(host: host) else { return }
        throw ConfigurationError(key: key, detail: "\(url) is \(refusal): the ledger calls no such address unless "
                                 + "\(Setting.allowPrivateTargets.environmentName)=true (a local setup, tests)")
    }

    /// The app's notification URL and the `whsec_` secret that signs what is sent there.
    private mutating func readNotifyTarget(_ sources: ConfigurationSources) throws(ConfigurationError) {
        notifyURL = sources.configured(.notifyURL)
        notifySecret = sources.configured(.notifySecret)
        guard let url = notifyURL else { return }
        if let problem = HTTPURL.problem(url) { throw ConfigurationError(key: Setting.notifyURL.environmentName, detail: problem) }
        try checkReachable(url, key: Setting.notifyURL.environmentName)
        guard let secret = notifySecret, (try? StandardWebhookVerifier(secret: secret).sign(id: "", timestamp: "", body: .init())) != nil else {
            throw ConfigurationError(key: Setting.notifySecret.environmentName, detail: "notifications need a whsec_ secret to sign them")
        }
    }
}
