using System.Text.RegularExpressions;

namespace Comb.Secrets.Engine;

/// <summary>Builds every regex the engine runs: linear-time where the pattern allows, always with a timeout.</summary>
internal static class RegexFactory
{
    public static readonly TimeSpan MatchTimeout = TimeSpan.FromSeconds(2);

    private const RegexOptions Common = RegexOptions.CultureInvariant | RegexOptions.ExplicitCapture;

    /// <summary>
    /// Compiled backtracking with a match timeout. Measured against NonBacktracking on the rule set: the
    /// symbolic engine spent seconds building states for the many counted, case-insensitive loops, while
    /// the compiled engine's vectorised prefix search makes keyword-led patterns nearly free. Patterns
    /// are written without nested quantifiers, and the timeout bounds any hostile input.
    /// </summary>
    public static Regex Create(string pattern, RegexOptions extra = RegexOptions.None) =>
        new(pattern, Common | RegexOptions.Compiled | extra, MatchTimeout);

    /// <summary>The interpreter: no code generation, so cheap to build; <see cref="TieredRegex"/> starts every pattern with it.</summary>
    public static Regex CreateInterpreted(string pattern, RegexOptions extra = RegexOptions.None) => new(pattern, Common | extra, MatchTimeout);

    /// <summary>The linear-time engine, for user-supplied patterns when it supports them.</summary>
    public static Regex CreateLinear(string pattern, RegexOptions extra = RegexOptions.None)
    {
        try
        {
            return new Regex(pattern, Common | RegexOptions.NonBacktracking | extra, MatchTimeout);
        }
        catch (NotSupportedException)
        {
            return Create(pattern, extra);
        }
    }

    /// <summary>
    /// Allow-list and path regexes. Those that run on every path or candidate are compiled once they have run
    /// often (interpreted, a case-insensitive alternation cost tens of microseconds per call); the many that run a
    /// few times a scan stay interpreted, since compiling each cost milliseconds of CPU in every scan process.
    /// The same pattern recurs across rules (the generic rules share their allow-lists), so each is built once per
    /// process, up to <see cref="MaxSmallPatterns"/> (far more than the default rules use; user configs add to it).
    /// </summary>
    public static TieredRegex CreateSmall(string pattern) => Small.GetOrAdd(pattern, p => new TieredRegex(p, TieredRegex.SmallUses));

    internal const int MaxSmallPatterns = 4096;

    internal static int SmallPatternsCached => Small.Count;

    private static readonly BoundedCache<string, TieredRegex> Small = new(MaxSmallPatterns);

    /// <summary>Throws ArgumentException with the parser's reason when the pattern is invalid.</summary>
    public static void Validate(string pattern) => _ = new Regex(pattern, Common, MatchTimeout);
}
