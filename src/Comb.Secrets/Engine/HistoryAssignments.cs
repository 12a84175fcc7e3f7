using System.Text.RegularExpressions;

namespace Comb.Secrets.Engine;

/// <summary>
/// Pulls NAME=value pairs out of a history created_by line: the "|N A=1 B=2 /bin/sh -c" prefix that
/// records build args, "ENV A=1 B=2" / "ENV A 1" instructions and "ARG A=1".
/// </summary>
internal static class HistoryAssignments
{
    private static readonly TieredRegex ArgPrefix = RegexFactory.CreateSmall(@"^\|(?<n>\d+)\s+(?<rest>.*)$");
    private static readonly TieredRegex Pair = RegexFactory.CreateSmall(@"(?<name>[A-Za-z_][\w.\-]*)=(?<value>""[^""]*""|'[^']*'|\S+)");
    private static readonly TieredRegex Instruction = RegexFactory.CreateSmall(@"(?:#\(nop\)\s*|^)(?<kind>ENV|ARG)\s+(?<body>.+)$");

    public static IEnumerable<(string Name, string Value)> Parse(string createdBy)
    {
        var line = createdBy.Trim();
        var prefix = ArgPrefix.Match(line);
        if (prefix.Success)
        {
            var count = int.Parse(prefix.Groups["n"].Value, System.Globalization.CultureInfo.InvariantCulture);
            foreach (var m in Pair.Matches(prefix.Groups["rest"].Value).Take(count))
            {
                yield return (m.Groups["name"].Value, m.Groups["value"].Value);
            }
        }

        var instruction = Instruction.Match(line);
        if (instruction.Success)
        {
            var body = instruction.Groups["body"].Value.Trim();
            if (body.Contains('=', StringComparison.Ordinal))
            {
                foreach (Match m in Pair.Matches(body))
                {
                    yield return (m.Groups["name"].Value, m.Groups["value"].Value);
                }
            }
            else
            {
                var space = body.IndexOf(' ', StringComparison.Ordinal);
                if (space > 0)
                {
                    yield return (body[..space], body[(space + 1)..]);
                }
            }
        }
    }
}
