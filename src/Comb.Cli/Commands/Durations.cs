using System.Globalization;
using Comb.Contracts;

namespace Comb.Cli.Commands;

/// <summary>Durations on the command line: a number with ms, s, m or h (a bare number is seconds).</summary>
internal static class Durations
{
    public static TimeSpan Parse(string text, string option, bool allowZero = false)
    {
        var t = text.Trim();
        var (number, scale) = t.EndsWith("ms", StringComparison.Ordinal) ? (t[..^2], 0.001)
            : t.EndsWith('s') ? (t[..^1], 1.0)
            : t.EndsWith('m') ? (t[..^1], 60.0)
            : t.EndsWith('h') ? (t[..^1], 3600.0)
            : (t, 1.0);
        if (!double.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value) || value * scale > TimeSpan.FromDays(366).TotalSeconds
            || (value <= 0 && !allowZero))
        {
            throw new CombInputException($"{option}: '{text}' is not a duration (e.g. 500ms, 30s, 5m, 1h{(allowZero ? "" : "; more than zero")})");
        }

        return TimeSpan.FromSeconds(value * scale);
    }
}
