using System.Runtime.CompilerServices;

namespace Comb.Contracts.Archives;

/// <summary>
/// Walks archives inside a file (jars in wars, zips in tars, tars in gzips) in memory, depth first: each entry is
/// yielded, and the entries of one that opens as an archive follow it. One walker spends one budget: the depth,
/// entry, byte and compression-ratio limits stop a decompression bomb with a note rather than exhausting memory.
/// Entry names that climb out of their archive ("../../etc/passwd") are skipped with a note; a damaged inner archive
/// is noted and the walk goes on. Nothing is written to disk.
/// </summary>
public sealed class NestedArchiveWalker(NestedArchiveOptions options)
{
    private readonly ArchiveLimits _limits = options.Limits;
    private readonly ArchiveBudget _budget = new(options.Limits);
    private readonly List<string> _notes = [];
    private readonly HashSet<Limit> _noted = [];
    private bool _stopped;

    /// <summary>A limit is noted the first time it is reached in a walk, not for every entry it stops.</summary>
    private enum Limit
    {
        Depth,
        Entries,
        Size,
        Expansion,
    }

    /// <summary>Why entries were skipped or archives left unopened, each naming the entry's path.</summary>
    public IReadOnlyList<string> Notes => _notes;

    /// <summary>
    /// Every entry inside <paramref name="content"/>, the file at <paramref name="path"/>, and inside the archives in it.
    /// Throws <see cref="InvalidDataException"/> when the file itself is not an archive of the enabled formats.
    /// </summary>
    public async IAsyncEnumerable<NestedEntry> WalkAsync(string path, ReadOnlyMemory<byte> content, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var (members, error) = await OpenAsync(path, content, expected: true, cancellationToken).ConfigureAwait(false);
        if (members is null)
        {
            throw new InvalidDataException($"{path}: {error}");
        }

        await using (members.ConfigureAwait(false))
        {
            await foreach (var entry in WalkAsync(members, [path], cancellationToken).ConfigureAwait(false))
            {
                yield return entry;
            }
        }
    }

    private async IAsyncEnumerable<NestedEntry> WalkAsync(ArchiveMembers members, string[] chain, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var listing = members.ListAsync(cancellationToken).GetAsyncEnumerator(cancellationToken);
        await using (listing.ConfigureAwait(false))
        {
            while (!_stopped && await NextAsync(listing, chain).ConfigureAwait(false) is { } member)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (!_budget.CountEntry())
                {
                    NoteOnce(Limit.Entries, $"{Format(chain)}: more than {_limits.MaxEntries} archive entries in all; the rest skipped");
                    _stopped = true;
                    yield break;
                }

                var name = PathSegments.Normalize(member.Name.Replace('\\', '/'));
                if (name is null)
                {
                    Note($"{Format(chain)}{options.Separator}{member.Name}: entry name climbs out of the archive; skipped");
                    continue;
                }

                if (name.Length == 0)
                {
                    continue;
                }

                var entry = new NestedEntry(this, [.. chain, name], member, options.Separator);
                var inner = await OpenNestedAsync(entry, cancellationToken).ConfigureAwait(false);
                entry.IsArchive = inner is not null;
                yield return entry;
                if (inner is not null)
                {
                    await using (inner.ConfigureAwait(false))
                    {
                        await foreach (var nested in WalkAsync(inner, [.. entry.Chain], cancellationToken).ConfigureAwait(false))
                        {
                            yield return nested;
                        }
                    }
                }

                entry.Pass();
            }
        }
    }

    /// <summary>The next member, or null at the end or where the archive is damaged (noted: the rest of it is lost).</summary>
    private async ValueTask<ArchiveMember?> NextAsync(IAsyncEnumerator<ArchiveMember> listing, string[] chain)
    {
        try
        {
            return await listing.MoveNextAsync().ConfigureAwait(false) ? listing.Current : null;
        }
        catch (Exception e) when (IsDamage(e))
        {
            Note($"{Format(chain)}: archive is damaged ({e.Message}); the rest skipped");
            return null;
        }
    }

    /// <summary>The entry opened as an archive, or null when it is not one, is too deep, or does not open (noted).</summary>
    private async ValueTask<ArchiveMembers?> OpenNestedAsync(NestedEntry entry, CancellationToken cancellationToken)
    {
        // Named as an archive, the caller expects one; otherwise the content decides, so every entry is read.
        var expected = options.ArchiveNames is { } names && names(entry.Name) && entry.Size != 0;
        if (options.ArchiveNames is not null && !expected)
        {
            return null;
        }

        var deep = entry.Depth >= _limits.MaxDepth;
        if (deep && expected)
        {
            NoteOnce(Limit.Depth, DepthNote(entry));
            return null;
        }

        if (await entry.ReadAsync(cancellationToken).ConfigureAwait(false) is not { Length: > 0 } content)
        {
            return null;
        }

        if (deep)
        {
            if ((ArchiveFormat.Detect(content) & options.Formats) != ArchiveFormats.None)
            {
                NoteOnce(Limit.Depth, DepthNote(entry));
            }

            return null;
        }

        var (members, error) = await OpenAsync(entry.Name, content, expected, cancellationToken).ConfigureAwait(false);
        if (error is not null)
        {
            Note($"{entry.Path}: {error}; skipped");
        }

        return members;
    }

    /// <summary>The archive's members, or why it cannot be opened (null for content that is simply not an archive).</summary>
    private async ValueTask<(ArchiveMembers? Members, string? Error)> OpenAsync(string name, ReadOnlyMemory<byte> content, bool expected, CancellationToken cancellationToken)
    {
        var format = ArchiveFormat.Detect(content.Span) & options.Formats;
        if (format == ArchiveFormats.None)
        {
            if (!expected)
            {
                return (null, null);
            }

            if (!options.Formats.HasFlag(ArchiveFormats.Zip))
            {
                return (null, "not an archive");
            }

            format = ArchiveFormats.Zip; // the central directory at the end decides: data may come before it
        }

        try
        {
            return (await ArchiveMembers.OpenAsync(format, content, name, cancellationToken).ConfigureAwait(false), null);
        }
        catch (Exception e) when (IsDamage(e))
        {
            return (null, $"not a readable {ArchiveFormat.Name(format)} archive ({e.Message})");
        }
    }

    /// <summary>Reads one entry within the budget; null, with a note, when it is over the limits or damaged.</summary>
    internal async Task<byte[]?> ReadAsync(NestedEntry entry, ArchiveMember member, CancellationToken cancellationToken)
    {
        if (member.Size > 0 && !_budget.Fits(member.Size))
        {
            NoteOnce(Limit.Size, $"{entry.Path}: entry of {member.Size} bytes is larger than the archive limits allow ({_limits.MaxEntryBytes} per entry, {_limits.MaxTotalBytes} in all, {_budget.Bytes} already read); skipped");
            return null;
        }

        try
        {
            var stream = await member.OpenAsync(cancellationToken).ConfigureAwait(false);
            await using (stream.ConfigureAwait(false))
            {
                var read = await _budget.ReadAsync(stream, member.CompressedSize, member.Size > 0 ? member.Size : member.SizeHint, cancellationToken).ConfigureAwait(false);
                switch (read.Refusal)
                {
                    case ArchiveRefusal.TooLarge:
                        NoteOnce(Limit.Expansion, $"{entry.Path}: expands beyond the archive limits (possible decompression bomb); skipped");
                        break;
                    case ArchiveRefusal.Ratio:
                        NoteOnce(Limit.Expansion, $"{entry.Path}: expands more than {_limits.MaxRatio} times its compressed size (possible decompression bomb); skipped");
                        break;
                }

                return read.Content;
            }
        }
        catch (Exception e) when (IsDamage(e))
        {
            Note($"{entry.Path}: unreadable archive entry ({e.Message}); skipped");
            return null;
        }
    }

    private string DepthNote(NestedEntry entry) => $"{entry.Path}: archives nested more than {_limits.MaxDepth} deep; not opened";

    private string Format(string[] chain) => string.Join(options.Separator, chain);

    private void Note(string message) => _notes.Add(message);

    private void NoteOnce(Limit limit, string message)
    {
        if (_noted.Add(limit))
        {
            _notes.Add(message);
        }
    }

    // What the zip, tar and gzip readers throw on damaged input (ArgumentException for impossible offsets and names).
    private static bool IsDamage(Exception e) => e is InvalidDataException or IOException or NotSupportedException or FormatException or ArgumentException or OverflowException;
}
