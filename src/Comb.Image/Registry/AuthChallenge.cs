using System.Text;

namespace Comb.Image.Registry;

/// <summary>One challenge of a <c>WWW-Authenticate</c> header: a scheme (Basic, Bearer) and its parameters.</summary>
internal sealed record AuthChallenge(string Scheme, IReadOnlyDictionary<string, string> Parameters)
{
    public bool IsBearer => Scheme.Equals("Bearer", StringComparison.OrdinalIgnoreCase);

    public bool IsBasic => Scheme.Equals("Basic", StringComparison.OrdinalIgnoreCase);

    public string? Realm => Parameters.GetValueOrDefault("realm");

    public string? Service => Parameters.GetValueOrDefault("service");

    public string? Scope => Parameters.GetValueOrDefault("scope");

    /// <summary>
    /// Parses every challenge of a header value such as
    /// <c>Bearer realm="https://auth/token",service="reg",scope="repository:a/b:pull", Basic realm="x"</c>.
    /// Parameter values may be quoted (with backslash escapes) or bare tokens.
    /// </summary>
    public static IReadOnlyList<AuthChallenge> Parse(string header)
    {
        var challenges = new List<AuthChallenge>();
        var i = 0;
        string? scheme = null;
        var parameters = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        while (i < header.Length)
        {
            SkipSeparators(header, ref i);
            if (i >= header.Length)
            {
                break;
            }

            var token = ReadToken(header, ref i);
            SkipSpaces(header, ref i);
            if (i < header.Length && header[i] == '=' && scheme is not null)
            {
                i++;
                SkipSpaces(header, ref i);
                parameters[token] = i < header.Length && header[i] == '"' ? ReadQuoted(header, ref i) : ReadToken(header, ref i);
                continue;
            }

            // A bare token starts a new challenge.
            if (token.Length == 0)
            {
                i++;
                continue;
            }

            if (scheme is not null)
            {
                challenges.Add(new AuthChallenge(scheme, parameters));
                parameters = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            }

            scheme = token;
        }

        if (scheme is not null)
        {
            challenges.Add(new AuthChallenge(scheme, parameters));
        }

        return challenges;
    }

    private static void SkipSpaces(string s, ref int i)
    {
        while (i < s.Length && (s[i] == ' ' || s[i] == '\t'))
        {
            i++;
        }
    }

    private static void SkipSeparators(string s, ref int i)
    {
        while (i < s.Length && (s[i] == ' ' || s[i] == '\t' || s[i] == ','))
        {
            i++;
        }
    }

    private static string ReadToken(string s, ref int i)
    {
        var start = i;
        while (i < s.Length && s[i] != '=' && s[i] != ',' && s[i] != ' ' && s[i] != '\t' && s[i] != '"')
        {
            i++;
        }

        return s[start..i];
    }

    private static string ReadQuoted(string s, ref int i)
    {
        var builder = new StringBuilder();
        i++; // opening quote
        while (i < s.Length && s[i] != '"')
        {
            if (s[i] == '\\' && i + 1 < s.Length)
            {
                i++;
            }

            builder.Append(s[i]);
            i++;
        }

        i++; // closing quote
        return builder.ToString();
    }
}
