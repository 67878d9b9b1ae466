import Foundation

/// "42 s", "6.3 min", "2.5 h", "66 days": a number of seconds a person reads
/// at a glance (the admin pages' durations, `doctor`'s ages).
public enum ReadableDuration {
    public static func text(seconds: Double) -> String {
        switch seconds {
        case ..<90: return "\(Int(seconds.rounded())) s"
        case ..<5_400: return String(format: "%.1f min", seconds / 60)
        case ..<172_800: return String(format: "%.1f h", seconds / 3_600)
        default: return "\(Int((seconds / 86_400).rounded())) days"
        }
    }
}
