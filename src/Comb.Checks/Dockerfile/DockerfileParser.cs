using System.Text;
using System.Text.Json;

namespace Comb.Checks.Dockerfile;

/// <summary>One Dockerfile instruction after continuation lines are joined.</summary>
public sealed record DockerfileInstruction
{
    /// <summary>Upper-case keyword: FROM, RUN, ENV...</summary>
    public required string Keyword { get; init; }

    /// <summary>Everything after the keyword, continuations joined with a space, flags included.</summary>
    public required string Arguments { get; init; }

    /// <summary>1-based line where the instruction starts.</summary>
    public required int Line { get; init; }

    /// <summary>Arguments of the JSON (exec) form, or null for the shell form.</summary>
    public IReadOnlyList<string>? JsonArguments { get; init; }

    /// <summary>Index of the build stage (0 for the first FROM); -1 before any FROM (global ARGs).</summary>
    public int Stage { get; init; }
}

/// <summary>
/// Reads a Dockerfile into instructions: parser directives (escape), comments, line continuations (also across
/// comment lines inside an instruction, as BuildKit allows), JSON and shell forms, heredoc bodies skipped.
/// </summary>
public static class DockerfileParser
{
    public static IReadOnlyList<DockerfileInstruction> Parse(string text)
    {
        var lines = text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        var escape = '\\';
        var instructions = new List<DockerfileInstruction>();
        var stage = -1;
        var directivesAllowed = true;
        var i = 0;
        while (i < lines.Length)
        {
            var raw = lines[i];
            var trimmed = raw.Trim();
            if (directivesAllowed && trimmed.StartsWith('#'))
            {
                var body = trimmed[1..].Trim();
                var eq = body.IndexOf('=');
                if (eq > 0 && body[..eq].Trim().Equals("escape", StringComparison.OrdinalIgnoreCase))
                {
                    var value = body[(eq + 1)..].Trim();
                    if (value is "`" or "\\") { escape = value[0]; }
                    i++;
                    continue;
                }
            }

            if (trimmed.Length == 0 || trimmed.StartsWith('#'))
            {
                if (trimmed.Length > 0 && !trimmed.Contains('=', StringComparison.Ordinal)) { directivesAllowed = false; }
                i++;
                continue;
            }

            directivesAllowed = false;
            var startLine = i + 1;
            var joined = new StringBuilder();
            while (true)
            {
                var line = lines[i];
                var content = line.TrimEnd();
                var continued = content.EndsWith(escape);
                var piece = (continued ? content[..^1] : content).Trim();
                if (piece.Length > 0)
                {
                    joined.Append(joined.Length > 0 ? " " : "").Append(piece);
                }

                i++;
                if (!continued)
                {
                    break;
                }

                // Skip comment and blank lines inside a continued instruction.
                while (i < lines.Length && (lines[i].Trim().StartsWith('#') || lines[i].Trim().Length == 0))
                {
                    i++;
                }

                if (i >= lines.Length)
                {
                    break;
                }
            }

            var full = joined.ToString().Trim();
            var space = full.IndexOfAny([' ', '\t']);
            var keyword = (space < 0 ? full : full[..space]).ToUpperInvariant();
            var arguments = space < 0 ? "" : full[(space + 1)..].Trim();
            if (keyword == "FROM")
            {
                stage++;
            }

            instructions.Add(new DockerfileInstruction
            {
                Keyword = keyword,
                Arguments = arguments,
                Line = startLine,
                JsonArguments = TryJson(StripFlags(arguments)),
                Stage = stage,
            });

            i = SkipHeredoc(lines, i, arguments);
        }

        return instructions;
    }

    /// <summary>Removes leading --flag=value options (RUN --mount, COPY --from, ADD --checksum...).</summary>
    public static string StripFlags(string arguments)
    {
        var rest = arguments.TrimStart();
        while (rest.StartsWith("--", StringComparison.Ordinal))
        {
            var space = rest.IndexOf(' ');
            rest = space < 0 ? "" : rest[(space + 1)..].TrimStart();
        }

        return rest;
    }

    private static List<string>? TryJson(string arguments)
    {
        if (!arguments.StartsWith('[') || !arguments.EndsWith(']'))
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize<List<string>>(arguments);
        }
        catch (JsonException)
        {
            return null; // not valid JSON: Docker treats it as the shell form
        }
    }

    /// <summary>Heredocs (RUN &lt;&lt;EOF ... EOF): their body lines are not instructions.</summary>
    private static int SkipHeredoc(string[] lines, int next, string arguments)
    {
        var marker = arguments.IndexOf("<<", StringComparison.Ordinal);
        if (marker < 0)
        {
            return next;
        }

        var word = arguments[(marker + 2)..].TrimStart('-').Trim().Split(' ')[0].Trim('"', '\'');
        if (word.Length == 0 || !word.All(c => char.IsAsciiLetterOrDigit(c) || c == '_'))
        {
            return next;
        }

        for (var j = next; j < lines.Length; j++)
        {
            if (lines[j].Trim() == word)
            {
                return j + 1;
            }
        }

        return lines.Length;
    }
}
