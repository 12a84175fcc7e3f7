namespace Comb.Secrets.Engine;

/// <summary>
/// Aho–Corasick automaton over ASCII-lower-cased text: one pass reports which of many keywords occur.
/// Built as a full transition table over 128 ASCII symbols so the scan loop is one array read per byte;
/// any non-ASCII byte returns to the root (keywords are ASCII). A keyword marked "at a word start" counts only
/// where no ASCII letter, digit or underscore comes right before it (<see cref="KeywordContext"/>).
/// </summary>
internal sealed class KeywordAutomaton
{
    private const int Alphabet = 128;
    private readonly int[] _next;          // state * Alphabet + symbol -> state
    private readonly int[][] _outputs;     // state -> keyword indices ending here (suffix links folded in)
    private readonly int _keywordCount;
    private readonly int[] _wordStartLength; // keyword -> its length when it must start a word, else 0

    public KeywordAutomaton(IReadOnlyList<string> keywords, IReadOnlyList<bool>? atWordStart = null)
    {
        _keywordCount = keywords.Count;
        _wordStartLength = [.. keywords.Select((k, i) => atWordStart is not null && atWordStart[i] ? k.Length : 0)];
        var transitions = new List<int[]> { NewRow() };
        var outputs = new List<List<int>> { new() };

        for (var k = 0; k < keywords.Count; k++)
        {
            var state = 0;
            foreach (var raw in keywords[k])
            {
                var c = Fold(raw);
                if (c >= Alphabet)
                {
                    throw new ArgumentException($"Keyword '{keywords[k]}' must be ASCII.", nameof(keywords));
                }

                if (transitions[state][c] < 0)
                {
                    transitions.Add(NewRow());
                    outputs.Add([]);
                    transitions[state][c] = transitions.Count - 1;
                }

                state = transitions[state][c];
            }

            outputs[state].Add(k);
        }

        // Breadth-first: fill missing edges from the failure state and inherit its outputs.
        var fail = new int[transitions.Count];
        var queue = new Queue<int>();
        for (var c = 0; c < Alphabet; c++)
        {
            var s = transitions[0][c];
            if (s < 0)
            {
                transitions[0][c] = 0;
            }
            else
            {
                fail[s] = 0;
                queue.Enqueue(s);
            }
        }

        while (queue.Count > 0)
        {
            var state = queue.Dequeue();
            outputs[state].AddRange(outputs[fail[state]]);
            for (var c = 0; c < Alphabet; c++)
            {
                var s = transitions[state][c];
                if (s < 0)
                {
                    transitions[state][c] = transitions[fail[state]][c];
                }
                else
                {
                    fail[s] = transitions[fail[state]][c];
                    queue.Enqueue(s);
                }
            }
        }

        _next = new int[transitions.Count * Alphabet];
        for (var s = 0; s < transitions.Count; s++)
        {
            transitions[s].CopyTo(_next, s * Alphabet);
        }

        _outputs = [.. outputs.Select(o => o.Distinct().ToArray())];
    }

    public int KeywordCount => _keywordCount;

    /// <summary>Marks in <paramref name="found"/> every keyword that occurs in <paramref name="text"/>; returns how many distinct ones.</summary>
    public int Scan(ReadOnlySpan<byte> text, bool[] found)
    {
        var next = _next;
        var outputs = _outputs;
        var state = 0;
        var distinct = 0;
        for (var at = 0; at < text.Length; at++)
        {
            var b = text[at];
            state = b < Alphabet ? next[(state * Alphabet) + Fold((char)b)] : 0;
            var hits = outputs[state];
            if (hits.Length == 0)
            {
                continue;
            }

            foreach (var k in hits)
            {
                if (found[k])
                {
                    continue;
                }

                var length = _wordStartLength[k];
                if (length > 0 && at >= length && KeywordContext.IsWordByte(text[at - length]))
                {
                    continue; // inside a word: a match that must start at a word boundary cannot start here
                }

                found[k] = true;
                distinct++;
            }
        }

        return distinct;
    }

    /// <summary>Same as the byte scan, over text already decoded.</summary>
    public int Scan(ReadOnlySpan<char> text, bool[] found)
    {
        var next = _next;
        var outputs = _outputs;
        var state = 0;
        var distinct = 0;
        for (var at = 0; at < text.Length; at++)
        {
            var ch = text[at];
            state = ch < Alphabet ? next[(state * Alphabet) + Fold(ch)] : 0;
            foreach (var k in outputs[state])
            {
                if (found[k])
                {
                    continue;
                }

                var length = _wordStartLength[k];
                if (length > 0 && at >= length && KeywordContext.IsWordByte(text[at - length]))
                {
                    continue;
                }

                found[k] = true;
                distinct++;
            }
        }

        return distinct;
    }

    private static int[] NewRow()
    {
        var row = new int[Alphabet];
        Array.Fill(row, -1);
        return row;
    }

    private static char Fold(char c) => c is >= 'A' and <= 'Z' ? (char)(c + 32) : c;
}
