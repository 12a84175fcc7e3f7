using System.Text.RegularExpressions;

namespace Comb.Secrets.Engine;

/// <summary>
/// A regex that starts interpreted and is compiled, in the background, once it has been used often enough for
/// compiling to pay. Compiling a regex (IL emission, then an optimising JIT) costs milliseconds of CPU: with some
/// 260 rules and 100 allow-list patterns that was a large share of a cold scan's secret work, most of it for
/// patterns that run a handful of times. Hot ones (the generic rules, whose keywords occur everywhere, the global
/// allow-list run on every path) still get the compiled engine. Both engines give the same matches and group numbers.
/// A built-in pattern is compiled at build time (<see cref="PrecompiledRegexes"/>) and used from the first call.
/// </summary>
internal sealed class TieredRegex
{
    /// <summary>A rule regex runs over a whole file: compiling pays after a few dozen files.</summary>
    public const int RuleUses = 32;

    /// <summary>
    /// An allow-list or path regex runs over one short string (a path, a value, a line), where the interpreter
    /// costs about a microsecond more a call: compiling (1-3 ms) pays after some thousands of calls.
    /// </summary>
    public const int SmallUses = 2048;

    private readonly string _pattern;
    private readonly RegexOptions _extra;
    private readonly int _compileAfter;
    private Regex _current;
    private readonly bool _precompiled;
    private int _uses;

    public TieredRegex(string pattern, int compileAfterUses = RuleUses, RegexOptions extra = RegexOptions.None)
    {
        _pattern = pattern;
        _extra = extra;
        if (PrecompiledRegexes.Find(pattern, extra) is { } precompiled)
        {
            _precompiled = true;
            _compileAfter = int.MaxValue;
            _current = precompiled;
        }
        else
        {
            _compileAfter = Math.Max(1, compileAfterUses);
            _current = RegexFactory.CreateInterpreted(pattern, extra);
        }
    }

    /// <summary>Group numbers are the same in both engines.</summary>
    public int GroupNumberFromName(string name) => _current.GroupNumberFromName(name);

    /// <summary>The regex to use for one call or one file; counts the use.</summary>
    public Regex ForOneUse()
    {
        if (!_precompiled && Volatile.Read(ref _uses) < _compileAfter && Interlocked.Increment(ref _uses) == _compileAfter)
        {
            _ = Task.Run(() => Volatile.Write(ref _current, RegexFactory.Create(_pattern, _extra)));
        }

        return Volatile.Read(ref _current);
    }

    public bool IsMatch(string input) => ForOneUse().IsMatch(input);

    public bool IsMatch(ReadOnlySpan<char> input) => ForOneUse().IsMatch(input);

    public Match Match(string input) => ForOneUse().Match(input);

    public MatchCollection Matches(string input) => ForOneUse().Matches(input);

    public bool IsCompiled => _precompiled || (Volatile.Read(ref _current).Options & RegexOptions.Compiled) != 0;
}
