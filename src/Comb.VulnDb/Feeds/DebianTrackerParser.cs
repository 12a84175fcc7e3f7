using System.Globalization;
using Comb.Contracts;

namespace Comb.VulnDb.Feeds;

/// <summary>
/// Reads the Debian security tracker's DSA/DLA lists:
/// <c>[29 Mar 2023] DSA-5380-1 xorg-server - security update</c>, then indented <c>{CVE-...}</c> and
/// <c>[bullseye] - xorg-server 2:1.20.11-1+deb11u6</c> (or <c>&lt;unfixed&gt;</c>, <c>&lt;end-of-life&gt;</c>, <c>&lt;not-affected&gt;</c>).
/// </summary>
internal static class DebianTrackerParser
{
    public const string FeedSource = "debian";

    /// <summary>Debian codenames and the release numbers OSV uses for them (Debian:11).</summary>
    public static readonly IReadOnlyDictionary<string, string> Releases = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
    {
        ["woody"] = "3.0", ["sarge"] = "3.1", ["etch"] = "4.0", ["lenny"] = "5.0", ["squeeze"] = "6.0",
        ["wheezy"] = "7", ["jessie"] = "8", ["stretch"] = "9", ["buster"] = "10", ["bullseye"] = "11",
        ["bookworm"] = "12", ["trixie"] = "13", ["forky"] = "14", ["sid"] = "sid",
    };

    public static IEnumerable<Advisory> Parse(TextReader reader)
    {
        Advisory? current = null;
        string? line;
        while ((line = reader.ReadLine()) is not null)
        {
            if (line.Length == 0)
            {
                continue;
            }

            if (line[0] == '[')
            {
                if (current is not null)
                {
                    yield return current;
                }

                current = ParseHeader(line);
                continue;
            }

            if (current is null)
            {
                continue;
            }

            var trimmed = line.Trim();
            if (trimmed.StartsWith('{'))
            {
                foreach (var id in trimmed.Trim('{', '}').Split(' ', StringSplitOptions.RemoveEmptyEntries))
                {
                    if (!current.Upstream.Contains(id, StringComparer.Ordinal))
                    {
                        current.Upstream.Add(id);
                    }
                }
            }
            else if (trimmed.StartsWith('[') && ParsePackageLine(trimmed) is { } entry)
            {
                current.Affected.Add(entry);
            }
        }

        if (current is not null)
        {
            yield return current;
        }
    }

    private static Advisory? ParseHeader(string line)
    {
        var close = line.IndexOf("] ", StringComparison.Ordinal);
        if (close < 0)
        {
            return null;
        }

        var rest = line[(close + 2)..].Trim();
        var space = rest.IndexOf(' ', StringComparison.Ordinal);
        var id = space < 0 ? rest : rest[..space];
        if (!id.StartsWith("DSA-", StringComparison.Ordinal) && !id.StartsWith("DLA-", StringComparison.Ordinal))
        {
            return null;
        }

        DateTimeOffset? date = DateTimeOffset.TryParseExact(line[1..close], ["d MMM yyyy", "dd MMM yyyy"], CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal, out var d) ? d.ToUniversalTime() : null;
        var advisory = new Advisory
        {
            Id = id,
            Summary = space < 0 ? null : rest[(space + 1)..].Trim(),
            Published = date,
            Modified = date,
            References = [$"https://security-tracker.debian.org/tracker/{id}"],
        };
        advisory.Sources.Add(FeedSource);
        return advisory;
    }

    private static AffectedEntry? ParsePackageLine(string line)
    {
        // [bullseye] - xorg-server 2:1.20.11-1+deb11u6
        var close = line.IndexOf(']', StringComparison.Ordinal);
        if (close < 0 || !Releases.TryGetValue(line[1..close], out var release))
        {
            return null;
        }

        var parts = line[(close + 1)..].Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length < 3 || parts[0] != "-")
        {
            return null;
        }

        var ecosystem = "Debian:" + release;
        var name = parts[1];
        var version = parts[2];
        string? status = version switch
        {
            "<unfixed>" => AffectedStatuses.Unfixed,
            "<end-of-life>" => AffectedStatuses.EndOfLife,
            "<not-affected>" => AffectedStatuses.NotAffected,
            "<no-dsa>" or "<ignored>" => AffectedStatuses.WillNotFix,
            _ when version.StartsWith('<') => null,
            _ => "",
        };
        if (status is null)
        {
            return null;
        }

        if (status.Length > 0)
        {
            return new AffectedEntry { Ecosystem = ecosystem, Name = name, Status = status };
        }

        return new AffectedEntry
        {
            Ecosystem = ecosystem,
            Name = name,
            Ranges = [new AffectedRange("ECOSYSTEM", [new RangeEvent(EventKinds.Introduced, "0"), new RangeEvent(EventKinds.Fixed, version)])],
            Severity = Urgency(parts.AsSpan(3)),
        };
    }

    /// <summary>
    /// Reads the tracker's per-CVE list (<c>data/CVE/list</c>) for Debian's own urgency of each CVE:
    /// <c>CVE-2023-0286 (description)</c> then <c>- openssl 3.0.8-1 (high)</c> or <c>[bullseye] - openssl &lt;no-dsa&gt; (low)</c>.
    /// Each CVE with an urgency becomes a <c>DEBIAN-CVE-...</c> record carrying only that rating (the DSA/DLA lists carry
    /// the fixes), so a Debian finding for the CVE is rated by Debian. The highest urgency any package line gives wins.
    /// </summary>
    public static IEnumerable<Advisory> ParseCveList(TextReader reader)
    {
        string? cve = null;
        var urgency = Severity.Unknown;
        string? line;
        while ((line = reader.ReadLine()) is not null)
        {
            if (line.StartsWith("CVE-", StringComparison.Ordinal))
            {
                if (Rated(cve, urgency) is { } done)
                {
                    yield return done;
                }

                var end = line.IndexOfAny([' ', '\t']);
                cve = end < 0 ? line : line[..end];
                urgency = Severity.Unknown;
                continue;
            }

            var trimmed = line.Trim();
            if (cve is not null && (trimmed.StartsWith("- ", StringComparison.Ordinal) || trimmed.StartsWith('[')))
            {
                var parts = trimmed[(trimmed.IndexOf("- ", StringComparison.Ordinal) is >= 0 and var dash ? dash : 0)..]
                    .Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
                if (parts.Length > 3 && Urgency(parts.AsSpan(3)) is var rated && rated > urgency)
                {
                    urgency = rated;
                }
            }
        }

        if (Rated(cve, urgency) is { } last)
        {
            yield return last;
        }
    }

    private static Advisory? Rated(string? cve, Severity urgency)
    {
        if (cve is null || urgency == Severity.Unknown || !AlpineSecDbParser.IsCveId(cve))
        {
            return null;
        }

        var advisory = new Advisory
        {
            Id = "DEBIAN-" + cve,
            Upstream = [cve],
            VendorSeverity = urgency,
            VendorSeveritySource = FeedSource,
            References = [$"https://security-tracker.debian.org/tracker/{cve}"],
        };
        advisory.Sources.Add(FeedSource);
        return advisory;
    }

    /// <summary>The tracker's urgency after the version: "(medium)", "(bug #332424; low)"; unimportant counts as low.</summary>
    internal static Severity Urgency(ReadOnlySpan<string> rest)
    {
        var text = string.Join(' ', rest.ToArray());
        var open = text.IndexOf('(', StringComparison.Ordinal);
        var close = text.LastIndexOf(')');
        if (open < 0 || close < open)
        {
            return Severity.Unknown;
        }

        foreach (var token in text[(open + 1)..close].Split([';', ',', ' '], StringSplitOptions.RemoveEmptyEntries))
        {
            // "medium**" marks an urgency the tracker has not confirmed; it is still Debian's rating.
            var word = token.TrimEnd('*').ToLowerInvariant();
            if (word is "unimportant" or "low" or "medium" or "high")
            {
                return SeverityNames.Parse(word);
            }
        }

        return Severity.Unknown;
    }
}
