using System.Text.RegularExpressions;

namespace Comb.Checks.Config;

/// <summary>One problem found in a RUN command.</summary>
public sealed record CommandHit(CheckDefinition Check, string Message);

/// <summary>
/// Reads a shell command from a RUN step (history or Dockerfile) and reports risky patterns. The command is split
/// into simple commands on ;, &amp;&amp;, || and newlines, and pipelines on |, so a word only counts in command position.
/// </summary>
public static partial class ShellCommandRules
{
    private static readonly string[] Shells = ["sh", "bash", "zsh", "ash", "dash", "ksh", "/bin/sh", "/bin/bash", "/usr/bin/env"];
    private static readonly string[] Downloaders = ["curl", "wget"];

    /// <param name="dockerfileOnly">Also run the checks that only make sense against a Dockerfile (style advice).</param>
    public static IReadOnlyList<CommandHit> Analyze(string command, bool dockerfileOnly)
    {
        var hits = new List<CommandHit>();
        var lists = SplitLists(command);
        var updated = false;
        var installed = false;
        foreach (var pipeline in lists)
        {
            var stages = pipeline.Split('|').Select(s => Words(s)).Where(w => w.Count > 0).ToList();
            for (var i = 0; i < stages.Count; i++)
            {
                var words = StripPrefixes(stages[i], out var usedSudo);
                if (usedSudo)
                {
                    Add(hits, CheckCatalog.Sudo, "sudo runs: " + Shorten(string.Join(' ', stages[i])));
                }

                if (words.Count == 0)
                {
                    continue;
                }

                var tool = Basename(words[0]);
                if (i > 0 && IsShell(tool) && stages.Take(i).Any(s => s.Any(w => Downloaders.Contains(Basename(w), StringComparer.Ordinal))))
                {
                    Add(hits, CheckCatalog.UnverifiedInstall, "download piped into a shell: " + Shorten(pipeline.Trim()));
                }

                if (IsShell(tool) && words.Skip(1).Any(w => w.Contains("$(curl", StringComparison.Ordinal) || w.Contains("$(wget", StringComparison.Ordinal)
                    || w.Contains("<(curl", StringComparison.Ordinal) || w.Contains("<(wget", StringComparison.Ordinal)))
                {
                    Add(hits, CheckCatalog.UnverifiedInstall, "downloaded script run by a shell: " + Shorten(pipeline.Trim()));
                }

                AnalyzePackageManager(tool, words, hits, dockerfileOnly, ref updated, ref installed);

                if (dockerfileOnly && tool == "cd")
                {
                    Add(hits, CheckCatalog.CdInRun, "cd " + string.Join(' ', words.Skip(1)));
                }
            }
        }

        if (updated && !installed)
        {
            Add(hits, CheckCatalog.UpdateAlone, "package index updated without installing anything in the same step: " + Shorten(command.Trim()));
        }

        return hits;
    }

    private static void AnalyzePackageManager(string tool, List<string> words, List<CommandHit> hits, bool dockerfileOnly, ref bool updated, ref bool installed)
    {
        var args = words.Skip(1).ToList();
        var verbs = args.Where(a => !a.StartsWith('-')).ToList();
        var verb = verbs.FirstOrDefault();
        switch (tool)
        {
            case "apt-get" or "apt" or "aptitude":
                if (verb is "update") { updated = true; }
                if (verb is "install" or "upgrade" or "dist-upgrade" or "full-upgrade") { installed = true; }
                if (verb is "upgrade" or "dist-upgrade" or "full-upgrade")
                {
                    Add(hits, CheckCatalog.Upgrade, $"{tool} {verb}");
                }

                if (args.Any(a => a is "--allow-unauthenticated" or "--force-yes" || a.StartsWith("--allow-insecure-repositories", StringComparison.Ordinal)))
                {
                    Add(hits, CheckCatalog.UnverifiedInstall, $"{tool} run with package signature checks disabled");
                }

                if (dockerfileOnly && verb is "install" && !args.Contains("--no-install-recommends", StringComparer.Ordinal)
                    && !args.Any(a => a.Contains("Install-Recommends=false", StringComparison.OrdinalIgnoreCase)))
                {
                    Add(hits, CheckCatalog.AptRecommends, Shorten(string.Join(' ', words)));
                }

                break;
            case "apk":
                if (verb is "update") { updated = true; }
                if (verb is "add" or "upgrade") { installed = true; }
                if (verb is "upgrade")
                {
                    Add(hits, CheckCatalog.Upgrade, "apk upgrade");
                }

                if (args.Contains("--allow-untrusted", StringComparer.Ordinal))
                {
                    Add(hits, CheckCatalog.UnverifiedInstall, "apk run with --allow-untrusted");
                }

                if (verb is "add" && !args.Contains("--no-cache", StringComparer.Ordinal))
                {
                    Add(hits, CheckCatalog.ApkNoCache, Shorten(string.Join(' ', words)));
                }

                break;
            case "yum" or "dnf" or "microdnf" or "zypper":
                if (verb is "makecache" or "refresh" or "ref") { updated = true; }
                if (verb is "install" or "in" or "update" or "upgrade" or "up" or "dist-upgrade" or "dup") { installed = true; }
                if (verb is "upgrade" or "update" or "up" or "dist-upgrade" or "dup" && verbs.Count == 1)
                {
                    Add(hits, CheckCatalog.Upgrade, $"{tool} {verb} of every package");
                }

                if (args.Any(a => a is "--nogpgcheck" or "--no-gpg-checks" || a.Contains("gpgcheck=0", StringComparison.Ordinal)))
                {
                    Add(hits, CheckCatalog.UnverifiedInstall, $"{tool} run with package signature checks disabled");
                }

                break;
            case "pip" or "pip3" or "python" or "python3":
                if (args.Contains("--trusted-host", StringComparer.Ordinal))
                {
                    Add(hits, CheckCatalog.UnverifiedInstall, "pip told to trust a host without TLS verification");
                }

                break;
        }
    }

    private static void Add(List<CommandHit> hits, CheckDefinition check, string message)
    {
        if (!hits.Any(h => h.Check == check && h.Message == message))
        {
            hits.Add(new CommandHit(check, message));
        }
    }

    /// <summary>Drops sudo, env assignments and wrappers so the first word is the program that runs.</summary>
    private static List<string> StripPrefixes(List<string> words, out bool usedSudo)
    {
        usedSudo = false;
        var i = 0;
        while (i < words.Count)
        {
            var w = words[i];
            if (Basename(w) == "sudo")
            {
                usedSudo = true;
                i++;
                while (i < words.Count && words[i].StartsWith('-'))
                {
                    i += words[i] is "-u" or "-g" ? 2 : 1;
                }

                continue;
            }

            if (Basename(w) is "env" or "nohup" or "time" or "exec" || AssignmentRegex().IsMatch(w))
            {
                i++;
                continue;
            }

            break;
        }

        return words.Skip(i).ToList();
    }

    private static bool IsShell(string tool) => Shells.Contains(tool, StringComparer.Ordinal) || tool is "sh" or "bash";

    private static string Basename(string word)
    {
        var slash = word.LastIndexOf('/');
        return slash >= 0 && slash < word.Length - 1 ? word[(slash + 1)..] : word;
    }

    /// <summary>Splits on command separators outside quotes: ;, &amp;&amp;, ||, newlines.</summary>
    internal static List<string> SplitLists(string command)
    {
        var parts = new List<string>();
        var current = new System.Text.StringBuilder();
        char quote = '\0';
        for (var i = 0; i < command.Length; i++)
        {
            var c = command[i];
            if (quote != '\0')
            {
                if (c == quote) { quote = '\0'; }
                current.Append(c);
                continue;
            }

            if (c is '\'' or '"')
            {
                quote = c;
                current.Append(c);
                continue;
            }

            var isAndOr = (c == '&' || c == '|') && i + 1 < command.Length && command[i + 1] == c;
            if (c is ';' or '\n' || isAndOr)
            {
                parts.Add(current.ToString());
                current.Clear();
                if (isAndOr) { i++; }
                continue;
            }

            current.Append(c);
        }

        parts.Add(current.ToString());
        return parts.Where(p => !string.IsNullOrWhiteSpace(p)).ToList();
    }

    /// <summary>Shell-ish word split: whitespace outside quotes; quotes are removed, parentheses kept.</summary>
    internal static List<string> Words(string text)
    {
        var words = new List<string>();
        var current = new System.Text.StringBuilder();
        char quote = '\0';
        var inWord = false;
        foreach (var c in text)
        {
            if (quote != '\0')
            {
                if (c == quote) { quote = '\0'; } else { current.Append(c); }
                continue;
            }

            if (c is '\'' or '"')
            {
                quote = c;
                inWord = true;
                continue;
            }

            if (char.IsWhiteSpace(c) || c == '\\')
            {
                if (inWord) { words.Add(current.ToString()); current.Clear(); inWord = false; }
                continue;
            }

            current.Append(c);
            inWord = true;
        }

        if (inWord) { words.Add(current.ToString()); }
        return words.Where(w => w.Length > 0 && w != "(" && w != ")").ToList();
    }

    private static string Shorten(string text) => text.Length <= 160 ? text : text[..157] + "...";

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*=")]
    private static partial Regex AssignmentRegex();
}
