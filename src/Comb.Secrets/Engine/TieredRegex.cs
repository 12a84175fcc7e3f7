using System.Text.RegularExpressions;

namespace Comb.Secrets.Engine;

/// <summary>
/// A rule regex that starts interpreted and is compiled once it has run on enough files. Compiling a regex
/// (IL emission, then JIT) costs milliseconds; with some 260 rules that was two seconds at the start of every
/// scan process, most of it for rules that run on a handful of files. Hot rules (the generic ones, whose
/// keywords occur everywhere) still get the compiled engine, built in the background and swapped in.
/// </summary>
internal sealed class TieredRegex
{
    private const int CompileAfterUses = 32;

    private readonly string _pattern;
    private Regex _current;
    private int _uses;

    public TieredRegex(string pattern)
    {
        _pattern = pattern;
        _current = RegexFactory.CreateInterpreted(pattern);
    }

    /// <summary>Group numbers are the same in both engines.</summary>
    public int GroupNumberFromName(string name) => _current.GroupNumberFromName(name);

    /// <summary>The regex to use for one file; counts the use.</summary>
    public Regex ForOneUse()
    {
        if (Volatile.Read(ref _uses) < CompileAfterUses && Interlocked.Increment(ref _uses) == CompileAfterUses)
        {
            _ = Task.Run(() => Volatile.Write(ref _current, RegexFactory.Create(_pattern)));
        }

        return Volatile.Read(ref _current);
    }

    public bool IsCompiled => (Volatile.Read(ref _current).Options & RegexOptions.Compiled) != 0;
}
