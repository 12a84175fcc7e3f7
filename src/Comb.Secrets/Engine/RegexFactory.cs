using System.Text.RegularExpressions;

namespace Comb.Secrets.Engine;

/// <summary>Builds every regex the engine runs: linear-time where the pattern allows, always with a timeout.</summary>
internal static class RegexFactory
{
    public static readonly TimeSpan MatchTimeout = TimeSpan.FromSeconds(2);

    private const RegexOptions Common = RegexOptions.CultureInvariant | RegexOptions.ExplicitCapture;

    /// <summary>NonBacktracking when the pattern fits its subset (no lookarounds/backreferences), else compiled backtracking.</summary>
    public static Regex Create(string pattern, RegexOptions extra = RegexOptions.None)
    {
        try
        {
            return new Regex(pattern, Common | RegexOptions.NonBacktracking | extra, MatchTimeout);
        }
        catch (NotSupportedException)
        {
            return new Regex(pattern, Common | RegexOptions.Compiled | extra, MatchTimeout);
        }
    }

    /// <summary>Small regexes run on short strings (allow-lists): interpreted backtracking is cheapest to build.</summary>
    public static Regex CreateSmall(string pattern) => new(pattern, Common, MatchTimeout);

    /// <summary>Throws ArgumentException with the parser's reason when the pattern is invalid.</summary>
    public static void Validate(string pattern) => _ = new Regex(pattern, Common, MatchTimeout);
}
