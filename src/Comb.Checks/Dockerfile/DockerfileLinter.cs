using Comb.Checks.Config;
using Comb.Contracts;

namespace Comb.Checks.Dockerfile;

/// <summary>Lints parsed Dockerfile instructions with the same check ids as the image checks where they apply.</summary>
public static class DockerfileLinter
{
    public static IReadOnlyList<ConfigFinding> Lint(IReadOnlyList<DockerfileInstruction> instructions)
    {
        var findings = new List<ConfigFinding>();
        if (instructions.Count == 0)
        {
            return findings;
        }

        var finalStage = instructions.Max(i => i.Stage);
        var stageNames = new List<string>();
        foreach (var ins in instructions)
        {
            var location = $"Dockerfile:{ins.Line}";
            switch (ins.Keyword)
            {
                case "FROM":
                    findings.AddRange(CheckFrom(ins, stageNames, location));
                    break;
                case "RUN":
                    var command = ins.JsonArguments is { } json ? string.Join(' ', json) : DockerfileParser.StripFlags(ins.Arguments);
                    foreach (var hit in ShellCommandRules.Analyze(command, dockerfileOnly: true))
                    {
                        findings.Add(hit.Check.Finding(hit.Message, location));
                    }

                    break;
                case "ADD":
                    if (ImageChecks.RemoteSource(DockerfileParser.StripFlags(ins.Arguments)) is { } url)
                    {
                        var pinned = ins.Arguments.Contains("--checksum=", StringComparison.Ordinal);
                        if (!pinned)
                        {
                            findings.Add(CheckCatalog.AddRemote.Finding($"ADD downloads {url} without a --checksum.", location));
                        }
                    }

                    break;
                case "ENV" or "ARG":
                    foreach (var (name, value) in KeyValues(ins))
                    {
                        // An ARG without a default is the right way to take a value at build time; flag only baked-in values.
                        if ((value.Length > 0 || ins.Keyword == "ENV") && SecretNames.LooksSecret(name) && value.Length > 0)
                        {
                            findings.Add(CheckCatalog.SecretEnv.Finding($"{ins.Keyword} {name} sets a secret-looking value ({SecretNames.Mask(value)}).", location));
                        }
                    }

                    break;
                case "EXPOSE":
                    foreach (var port in ShellCommandRules.Words(ins.Arguments))
                    {
                        if (port is "22" or "22/tcp")
                        {
                            findings.Add(CheckCatalog.SshPort.Finding($"EXPOSE {port}", location));
                        }
                    }

                    break;
            }
        }

        findings.AddRange(FinalStageChecks(instructions.Where(i => i.Stage == finalStage).ToList()));
        return findings;
    }

    private static IEnumerable<ConfigFinding> CheckFrom(DockerfileInstruction ins, List<string> stageNames, string location)
    {
        var words = ShellCommandRules.Words(DockerfileParser.StripFlags(ins.Arguments));
        if (words.Count == 0)
        {
            yield break;
        }

        var image = words[0];
        if (words.Count >= 3 && words[1].Equals("AS", StringComparison.OrdinalIgnoreCase))
        {
            stageNames.Add(words[2].ToLowerInvariant());
        }

        if (image.Equals("scratch", StringComparison.OrdinalIgnoreCase) || stageNames.Take(stageNames.Count - (words.Count >= 3 ? 1 : 0)).Contains(image.ToLowerInvariant(), StringComparer.Ordinal)
            || image.Contains('$', StringComparison.Ordinal))
        {
            yield break; // earlier stage, scratch or a build-arg: nothing to pin here
        }

        if (image.Contains('@', StringComparison.Ordinal))
        {
            yield break;
        }

        var lastSlash = image.LastIndexOf('/');
        var colon = image.IndexOf(':', lastSlash + 1);
        var tag = colon < 0 ? null : image[(colon + 1)..];
        if (tag is null or "latest")
        {
            yield return CheckCatalog.LatestTag.Finding(tag is null ? $"FROM {image} has no tag, so it means latest." : $"FROM {image} uses the tag latest.", location);
        }
    }

    private static IEnumerable<ConfigFinding> FinalStageChecks(IReadOnlyList<DockerfileInstruction> stage)
    {
        if (stage.Count == 0)
        {
            yield break;
        }

        var from = stage[0];
        var lastUser = stage.LastOrDefault(i => i.Keyword == "USER");
        if (lastUser is null)
        {
            yield return CheckCatalog.RootUser.Finding("The final stage sets no USER, so the container runs as root (unless the base image sets one).", $"Dockerfile:{from.Line}");
        }
        else
        {
            var name = ShellCommandRules.Words(lastUser.Arguments).FirstOrDefault()?.Split(':')[0];
            if (name is "root" or "0")
            {
                yield return CheckCatalog.RootUser.Finding($"The last USER is {lastUser.Arguments}.", $"Dockerfile:{lastUser.Line}");
            }
        }

        var health = stage.LastOrDefault(i => i.Keyword == "HEALTHCHECK");
        if (health is null)
        {
            yield return CheckCatalog.NoHealthcheck.Finding("The final stage has no HEALTHCHECK.", $"Dockerfile:{from.Line}");
        }
        else if (health.Arguments.Trim().Equals("NONE", StringComparison.OrdinalIgnoreCase))
        {
            yield return CheckCatalog.NoHealthcheck.Finding("HEALTHCHECK NONE disables the health check.", $"Dockerfile:{health.Line}");
        }
    }

    /// <summary>ENV/ARG pairs: "K=V K2=V2", the legacy "ENV K V" form, or a bare ARG name.</summary>
    private static IEnumerable<(string Name, string Value)> KeyValues(DockerfileInstruction ins)
    {
        var words = ShellCommandRules.Words(ins.Arguments);
        if (words.Count == 0)
        {
            yield break;
        }

        if (ins.Keyword == "ENV" && !words[0].Contains('=', StringComparison.Ordinal))
        {
            var space = ins.Arguments.IndexOfAny([' ', '\t']);
            yield return (words[0], space < 0 ? "" : ins.Arguments[(space + 1)..].Trim().Trim('"', '\''));
            yield break;
        }

        foreach (var word in words)
        {
            var eq = word.IndexOf('=');
            yield return eq < 0 ? (word, "") : (word[..eq], word[(eq + 1)..]);
        }
    }
}
