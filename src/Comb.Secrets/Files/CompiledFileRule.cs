using System.Text;
using System.Text.RegularExpressions;
using Comb.Secrets.Engine;

namespace Comb.Secrets.Files;

/// <summary>A file rule with its regexes built.</summary>
internal sealed class CompiledFileRule
{
    private readonly TieredRegex _path;
    private readonly TieredRegex? _content;
    private readonly TieredRegex[] _allowPaths;

    public CompiledFileRule(SensitiveFileRule rule)
    {
        Rule = rule;
        _path = RegexFactory.CreateSmall(rule.PathPattern);
        _content = rule.ContentPattern is null ? null : new TieredRegex(rule.ContentPattern, TieredRegex.RuleUses, RegexOptions.Multiline);
        _allowPaths = [.. rule.AllowPaths.Select(RegexFactory.CreateSmall)];
    }

    public SensitiveFileRule Rule { get; }

    public bool MatchesPath(string path) => _path.IsMatch(path) && !_allowPaths.Any(a => a.IsMatch(path));

    /// <summary>Checks size, magic bytes and content pattern on the head of the file.</summary>
    public bool Confirms(long size, ReadOnlySpan<byte> head)
    {
        if (size < Rule.MinSize)
        {
            return false;
        }

        if (Rule.Magic is { } magic && !head.StartsWith(magic))
        {
            return false;
        }

        if (_content is null)
        {
            return true;
        }

        var text = Encoding.UTF8.GetString(head[..Math.Min(head.Length, SensitiveFileRules.SniffBytes)]);
        try
        {
            return _content.IsMatch(text);
        }
        catch (RegexMatchTimeoutException)
        {
            return false;
        }
    }
}
