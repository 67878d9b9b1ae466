import Foundation
import LedgerBackground
@testable import LedgerCLI
import LedgerCore
import LedgerProviders
import Testing

/// docs/configuration.md and the one definition of the settings
/// (``Setting``) cannot disagree: every setting has a row with its default,
/// every row names a setting, and the defaults written are the ones the code uses.
@Suite struct ConfigurationDocsTests {
    static let page = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("docs/configuration.md")

    /// Each documented key with its row's default cell, from the rows that name a `LEDGER_` variable.
    static func documented() throws -> [String: String] {
        var rows: [String: String] = [:]
        for line in try String(contentsOf: page, encoding: .utf8).split(separator: "\n") where line.hasPrefix("| `") {
            let cells = line.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
            guard cells.count > 4, cells[2].contains("LEDGER_") else { continue }
            for key in cells[1].split(separator: "`").enumerated().filter({ $0.offset % 2 == 1 }).map({ String($0.element) }) {
                rows[key] = cells[3]
            }
        }
        return rows
    }

    @Test func everySettingHasARowWithItsDefaultAndEveryRowASetting() throws {
        let rows = try Self.documented()
        for setting in Setting.all {
            let row = rows[setting.key]
            #expect(row != nil, "\(setting.key) is not documented in docs/configuration.md")
            if let value = setting.defaultText, let row {
                #expect(row.contains("`\(value)`"), "\(setting.key): the page says \(row), the code \(value)")
            }
        }
        let known = Set(Setting.all.map(\.key))
        for key in rows.keys where !key.hasPrefix("providers.") && !key.hasPrefix(".") {
            #expect(known.contains(key), "docs/configuration.md documents \(key), which no code reads")
        }
    }

    /// Every written default parses, and a configuration that writes them
    /// all out is the one that writes none (nothing has a second default).
    @Test func theWrittenDefaultsAreTheOnesTheCodeUses() throws {
        let written = Dictionary(uniqueKeysWithValues: Setting.all.compactMap { setting in
            setting.defaultText.map { (setting.environmentName, $0) }
        })
        let given = try LedgerConfiguration(ConfigurationSources(environment: written, file: ConfigurationFile()), databaseFlag: nil)
        let unset = try LedgerConfiguration(ConfigurationSources(environment: [:], file: ConfigurationFile()), databaseFlag: nil)
        #expect(given.configured.count == written.count && unset.configured.isEmpty)
        #expect(String(describing: given.server) == String(describing: unset.server))
        #expect(String(describing: given.background) == String(describing: unset.background))
        #expect(given.databaseLocation == unset.databaseLocation && given.logLevel == unset.logLevel)
        #expect(given.lateCompletionPolicy == unset.lateCompletionPolicy && given.notifyEvents == unset.notifyEvents)
    }

    /// A provider that posts a body of some size answers a poll with the same
    /// body: `max_body` bounds both (a poll answer was cut at a fixed 1 MiB,
    /// so a success too large for the webhook could never be recorded).
    @Test func theBodyLimitIsAlsoThePollAnswersLimit() throws {
        let sources = ConfigurationSources(environment: ["LEDGER_MAX_BODY": "3MiB"], file: ConfigurationFile())
        let configuration = try LedgerConfiguration(sources, databaseFlag: nil)
        #expect(configuration.server.requestBodyBytesMax == 3 << 20 && configuration.background.responseBytesMax == 3 << 20)
    }

    /// The watchdog's thresholds are recorded in whole seconds (for a cron's
    /// watchdog, doctor, the admin pages, the `stuck_jobs` view): `500ms` was
    /// recorded as 0, so all of them judged by 2 h while serve's own watchdog
    /// judged by half a second.
    @Test(arguments: ["LEDGER_STUCK_AFTER", "LEDGER_DEADLINE", "LEDGER_SUBMIT_DEADLINE"])
    func aWatchdogThresholdIsWholeSeconds(_ key: String) throws {
        func refusal(_ value: String) -> String? {
            do {
                _ = try LedgerConfiguration(ConfigurationSources(environment: [key: value], file: ConfigurationFile()), databaseFlag: nil)
                return nil
            } catch { return "\(error)" }
        }
        for value in ["500ms", "1500ms"] {
            #expect(refusal(value)?.contains("\(value) is not whole seconds") == true, "\(value): \(refusal(value) ?? "accepted")")
        }
        for value in ["2000ms", "90s", "2h"] { #expect(refusal(value) == nil, "\(value)") }
    }

    /// A value the file gives is named in an error as the file names it, the
    /// environment's as the environment does; the environment wins.
    @Test func anErrorNamesTheSettingWhereItWasGiven() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("config-\(UUID().uuidString).json").path
        try #"{"stuck_after": "soon", "providers": {"replicate": {"secret": "nope"}}}"#.write(toFile: path, atomically: true, encoding: .utf8)
        func failure(_ environment: [String: String]) -> String {
            do {
                _ = try LedgerConfiguration.load(databaseFlag: nil, file: path, environment: environment)
                return "no error"
            } catch { return (error as? CommandFailure)?.message ?? "\(error)" }
        }
        #expect(failure([:]).hasPrefix("stuck_after (in \(path)): soon is not a duration"), "\(failure([:]))")
        #expect(failure(["LEDGER_STUCK_AFTER": "later"]).hasPrefix("LEDGER_STUCK_AFTER: later"))
        #expect(failure(["LEDGER_STUCK_AFTER": "3h"]).hasPrefix("providers.replicate.secret (in \(path))"), "\(failure(["LEDGER_STUCK_AFTER": "3h"]))")
    }

    /// The table of built-in status words says what each profile maps, word for word:
    /// a word added to a profile and not to the page (or the other way) fails here.
    @Test func theBuiltInStatusWordsAreDocumentedAsMapped() throws {
        let page = try String(contentsOf: Self.page, encoding: .utf8)
        var rows: [String: String] = [:]
        for line in page.split(separator: "\n") where line.hasPrefix("| `") {
            let cells = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            if cells.count == 2 { rows[cells[0]] = cells[1] }
        }
        let profiles: [(String, ProviderProfile)] = [("`standard`", .standard), ("`replicate`", .replicate), ("`wavespeed`", .wavespeed),
                                                     ("`nca` (its job-status API, polled)", .ncaStatus)]
        for (row, profile) in profiles {
            let cell = try #require(rows[row], "no row \(row)")
            // Each part of a row is "`word`, `word` status" and maybe a note after it.
            var documented: [String: ReportedStatus] = [:]
            for part in cell.components(separatedBy: "; ") {
                let tokens = part.split(separator: " ").map(String.init)
                let words = tokens.prefix { $0.hasPrefix("`") }.map { $0.trimmingCharacters(in: CharacterSet(charactersIn: "`,:")) }
                guard words.count < tokens.count, let status = ReportedStatus(rawValue: tokens[words.count]) else { continue }
                for word in words { documented[word] = status }
            }
            #expect(documented == profile.statusMap, "\(row): the page says \(documented), the profile maps \(profile.statusMap)")
        }
        #expect(rows["`nca` (webhook)"]?.contains("`200` completed") == true && ProviderProfile.nca.statusMap == ["200": .completed])
    }
}

