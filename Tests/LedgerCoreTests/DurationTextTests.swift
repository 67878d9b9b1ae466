import LedgerCore
import Testing

@Suite struct DurationTextTests {
    @Test(arguments: [("500ms", Int64(500)), ("30s", 30_000), ("5m", 300_000), ("2h", 7_200_000), ("1s", 1000), ("90d", 7_776_000_000)])
    func durationsAsTheConfigurationWritesThem(_ text: String, _ milliseconds: Int64) {
        #expect(DurationText.milliseconds(text) == milliseconds)
    }

    @Test(arguments: ["", "30", "5 m", "0s", "-5s", "1.5s", "1w", "d", "ms", "s", "99999999999999999999h", "999999999999999d"])
    func anythingElseIsRefused(_ text: String) {
        #expect(DurationText.milliseconds(text) == nil)
    }

    /// The defaults are written from the policies' own values, in the largest whole unit.
    @Test(arguments: [(Int64(7_200_000), "2h"), (86_400_000, "1d"), (900_000, "15m"), (1500, "1500ms"), (90_000, "90s")])
    func durationsWrittenBack(_ milliseconds: Int64, _ text: String) {
        #expect(DurationText.text(milliseconds: milliseconds) == text)
        #expect(DurationText.milliseconds(text) == milliseconds)
    }
}
