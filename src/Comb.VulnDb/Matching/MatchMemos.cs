using System.Collections.Concurrent;
using Comb.VulnDb.Database;

namespace Comb.VulnDb.Matching;

/// <summary>
/// The host's match memos, one per advisory database file, for its current build. When a file is rebuilt (db update),
/// the new build's memo starts with every answer of the old one that the recorded changes cannot have altered, so a
/// long-running host re-matches only what the update touched.
/// </summary>
public sealed class MatchMemos
{
    private readonly ConcurrentDictionary<string, MatchMemo> _byPath = new(StringComparer.Ordinal);

    internal MatchMemo For(AdvisoryDatabase db)
    {
        var path = Path.GetFullPath(db.Info.Path);
        while (true)
        {
            if (_byPath.TryGetValue(path, out var current))
            {
                if (current.BuildId == db.Info.BuildId)
                {
                    return current;
                }

                var next = new MatchMemo(db.Info.BuildId, db.Info.VersionLabel);
                if (db.ChangesSince(current.VersionLabel) is { } changes && current.VersionLabel != db.Info.VersionLabel)
                {
                    next.CarryOver(current, changes);
                }

                if (_byPath.TryUpdate(path, next, current))
                {
                    return next;
                }
            }
            else if (_byPath.TryAdd(path, new MatchMemo(db.Info.BuildId, db.Info.VersionLabel)))
            {
                return _byPath[path];
            }
        }
    }
}
