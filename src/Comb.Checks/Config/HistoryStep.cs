namespace Comb.Checks.Config;

/// <summary>
/// One history line read back into a Dockerfile-like instruction. Builders record steps differently:
/// the classic builder writes "/bin/sh -c #(nop)  ENV A=b" and "/bin/sh -c apt-get ..." for RUN, BuildKit writes
/// "ENV A=b" and "RUN /bin/sh -c ... # buildkit", and RUN steps that saw build args start with "|N K=V ...".
/// </summary>
public sealed record HistoryStep(string Instruction, string Arguments, IReadOnlyList<KeyValuePair<string, string>> BuildArgs)
{
    private static readonly HashSet<string> Instructions = new(StringComparer.Ordinal)
    {
        "ADD", "ARG", "CMD", "COPY", "ENTRYPOINT", "ENV", "EXPOSE", "HEALTHCHECK", "LABEL", "MAINTAINER", "ONBUILD",
        "RUN", "SHELL", "STOPSIGNAL", "USER", "VOLUME", "WORKDIR", "FROM",
    };

    public static HistoryStep Parse(string createdBy)
    {
        var text = createdBy.Trim();
        if (text.EndsWith("# buildkit", StringComparison.Ordinal))
        {
            text = text[..^"# buildkit".Length].TrimEnd();
        }

        const string nop = "/bin/sh -c #(nop)";
        if (text.StartsWith(nop, StringComparison.Ordinal))
        {
            return FromInstructionText(text[nop.Length..].Trim());
        }

        var firstSpace = text.IndexOf(' ');
        var first = firstSpace < 0 ? text : text[..firstSpace];
        if (Instructions.Contains(first))
        {
            var step = FromInstructionText(text);
            return step.Instruction == "RUN" ? RunStep(step.Arguments) : step;
        }

        // Classic-builder RUN: "/bin/sh -c CMD" or "|N K=V /bin/sh -c CMD".
        return RunStep(text);
    }

    private static HistoryStep FromInstructionText(string text)
    {
        var space = text.IndexOf(' ');
        return space < 0
            ? new HistoryStep(text.ToUpperInvariant(), "", [])
            : new HistoryStep(text[..space].ToUpperInvariant(), text[(space + 1)..].Trim(), []);
    }

    private static HistoryStep RunStep(string text)
    {
        var args = new List<KeyValuePair<string, string>>();
        if (text.StartsWith('|'))
        {
            var space = text.IndexOf(' ');
            if (space > 1 && int.TryParse(text.AsSpan(1, space - 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var count))
            {
                var rest = text[(space + 1)..];
                for (var i = 0; i < count && rest.Length > 0; i++)
                {
                    var eq = rest.IndexOf('=');
                    if (eq <= 0) { break; }
                    var end = rest.IndexOf(' ', eq);
                    var value = end < 0 ? rest[(eq + 1)..] : rest[(eq + 1)..end];
                    args.Add(new(rest[..eq], value));
                    rest = end < 0 ? "" : rest[(end + 1)..];
                }

                text = rest;
            }
        }

        foreach (var shell in new[] { "/bin/sh -c ", "/bin/bash -c ", "sh -c " })
        {
            if (text.StartsWith(shell, StringComparison.Ordinal))
            {
                text = text[shell.Length..];
                break;
            }
        }

        return new HistoryStep("RUN", text, args);
    }
}
