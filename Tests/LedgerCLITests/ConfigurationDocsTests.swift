import Foundation
import LedgerBackground
@testable import LedgerCLI
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

    @Test func theWrittenDefaultsAreTheOnesTheCodeUses() throws {
        let written = Dictionary(uniqueKeysWithValues: Setting.all.compactMap { setting in
            setting.defaultText.map { (setting.environmentName, $0) }
        })
        let given = try BackgroundSettings(environment: written, providers: [String]())
        let unset = try BackgroundSettings(environment: [:], providers: [String]())
        #expect(given.pollSchedule == unset.pollSchedule && given.watchdog == unset.watchdog)
        #expect(given.watchdogIntervalMilliseconds == unset.watchdogIntervalMilliseconds)
        #expect(given.notifySchedule == unset.notifySchedule && given.notifyEvents == unset.notifyEvents)
        #expect(given.allowPrivateTargets == unset.allowPrivateTargets && given.retainBodiesMilliseconds == unset.retainBodiesMilliseconds)
        #expect(try lateCompletionPolicy(written) == lateCompletionPolicy([:]))
        #expect(try logLevel(written, default: .critical) == .info, "serve's default log level")
    }
}
