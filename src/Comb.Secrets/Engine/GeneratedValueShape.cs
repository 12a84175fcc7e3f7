namespace Comb.Secrets.Engine;

/// <summary>
/// Shapes that tell a typed value from a generated one, for the generic rules: a name-and-value match is weak
/// evidence, so a value must also look machine-made. Vendor rules do not use these: their format is evidence
/// enough, and test keys of the right shape often break them. Written as code rather than allow-list regexes
/// because they run on every generic candidate and need counting that a regex does with backtracking.
/// </summary>
internal static class GeneratedValueShape
{
    private const int ChunkLength = 10;
    private const int MaxRepeatCheckLength = 256;

    /// <summary>True when the value is a constant name or repeats itself, so not a generated secret.</summary>
    public static bool IsTyped(ReadOnlySpan<char> value) => IsConstantName(value) || HasRepeatedChunk(value);

    /// <summary>
    /// CONSTANT_NAMES (upper-case letters and digits in two or more parts joined by '_'). A part whose letters and
    /// digits alternate three times or more (KEYN2B1NFN5) is random, not a name.
    /// </summary>
    public static bool IsConstantName(ReadOnlySpan<char> value)
    {
        // A pointer mark (Pascal's ^TYPE_NAME, C's *NAME) and a leading underscore still make a name.
        value = value.TrimStart("^*&").TrimStart('_');

        if (value.Length == 0 || !char.IsAsciiLetterUpper(value[0]) || value[^1] == '_')
        {
            return false;
        }

        var parts = 1;
        var alternations = 0;
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (c == '_')
            {
                if (value[i - 1] == '_')
                {
                    return false;
                }

                parts++;
                alternations = 0;
                continue;
            }

            if (!char.IsAsciiLetterUpper(c) && !char.IsAsciiDigit(c))
            {
                return false;
            }

            if (i > 0 && char.IsAsciiLetterUpper(value[i - 1]) && char.IsAsciiDigit(c) && ++alternations >= 3)
            {
                return false;
            }
        }

        return parts >= 2;
    }

    /// <summary>
    /// A ten-character stretch that occurs twice: typed or pasted-together values repeat themselves, while a
    /// generated token of a few hundred characters practically never does (odds about n² / 62¹⁰).
    /// </summary>
    public static bool HasRepeatedChunk(ReadOnlySpan<char> value)
    {
        if (value.Length < 2 * ChunkLength || value.Length > MaxRepeatCheckLength)
        {
            return false;
        }

        Span<int> hashes = stackalloc int[value.Length - ChunkLength + 1];
        for (var i = 0; i < hashes.Length; i++)
        {
            hashes[i] = string.GetHashCode(value.Slice(i, ChunkLength));
            for (var j = 0; j + ChunkLength <= i; j++)
            {
                if (hashes[j] == hashes[i] && value.Slice(j, ChunkLength).SequenceEqual(value.Slice(i, ChunkLength)))
                {
                    return true;
                }
            }
        }

        return false;
    }
}
