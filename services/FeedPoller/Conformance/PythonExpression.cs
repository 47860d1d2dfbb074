using System.Globalization;
using System.Text;

namespace Monitoring.FeedPoller.Conformance;

/// <summary>
/// Evaluates the small part of Python that feedparser's <c>Expect:</c> lines use: and/or/not, comparisons, string,
/// number, tuple, list and dict literals, subscripts, attribute access on dicts, <c>len</c>, <c>ord</c>,
/// <c>isinstance</c>, <c>.get</c> and <c>.has_key</c>. A missing key is an error, as in Python.
/// </summary>
public sealed class PythonExpression
{
    private readonly List<string> _tokens;
    private readonly IReadOnlyDictionary<string, object?> _names;
    private int _position;

    private PythonExpression(string source, IReadOnlyDictionary<string, object?> names)
    {
        _tokens = Tokenize(source);
        _names = names;
    }

    public sealed class EvaluationException(string message) : Exception(message);

    /// <summary>A dict that also answers to other names for its keys, as feedparser's FeedParserDict does ("url" for "href").</summary>
    public sealed class AliasingDictionary(IReadOnlyDictionary<string, string[]> aliases) : Dictionary<string, object?>
    {
        public bool TryLookup(string key, out object? value)
        {
            if (TryGetValue(key, out value)) return true;
            foreach (var alias in aliases.GetValueOrDefault(key, []))
                if (TryGetValue(alias, out value)) return true;
            return false;
        }
    }

    public static bool IsTrue(string expression, IReadOnlyDictionary<string, object?> names)
    {
        var evaluator = new PythonExpression(expression, names);
        var value = evaluator.Or();
        if (evaluator._position != evaluator._tokens.Count) throw new EvaluationException($"unexpected '{evaluator._tokens[evaluator._position]}'");
        return Truthy(value);
    }

    private string? Peek => _position < _tokens.Count ? _tokens[_position] : null;

    private string Next() => _position < _tokens.Count ? _tokens[_position++] : throw new EvaluationException("unexpected end");

    private void Expect(string token)
    {
        if (Next() != token) throw new EvaluationException($"expected '{token}'");
    }

    private object? Or()
    {
        var value = And();
        while (Peek == "or")
        {
            Next();
            var right = And();
            value = Truthy(value) ? value : right;
        }
        return value;
    }

    private object? And()
    {
        var value = Not();
        while (Peek == "and")
        {
            Next();
            var right = Not();
            value = Truthy(value) ? right : value;
        }
        return value;
    }

    private object? Not()
    {
        if (Peek != "not") return Comparison();
        Next();
        return !Truthy(Not());
    }

    private object? Comparison()
    {
        var left = Primary();
        switch (Peek)
        {
            case "==": Next(); return Equal(left, Primary());
            case "!=": Next(); return !Equal(left, Primary());
            case ">=": Next(); return Order(left, Primary()) >= 0;
            case "<=": Next(); return Order(left, Primary()) <= 0;
            case ">": Next(); return Order(left, Primary()) > 0;
            case "<": Next(); return Order(left, Primary()) < 0;
            case "in": Next(); return Contains(Primary(), left);
            default: return left;
        }
    }

    private object? Primary()
    {
        var value = Atom();
        while (true)
        {
            switch (Peek)
            {
                case "[":
                    Next();
                    var key = Or();
                    Expect("]");
                    value = Subscript(value, key);
                    break;
                case ".":
                    Next();
                    value = Attribute(value, Next());
                    break;
                case "(":
                    Next();
                    var arguments = new List<object?>();
                    while (Peek != ")")
                    {
                        arguments.Add(Or());
                        if (Peek == ",") Next();
                    }
                    Expect(")");
                    value = value is Func<List<object?>, object?> function ? function(arguments) : throw new EvaluationException("not callable");
                    break;
                default:
                    return value;
            }
        }
    }

    private object? Atom()
    {
        var token = Next();
        if (token == "(")
        {
            var items = new List<object?>();
            var tuple = false;
            while (Peek != ")")
            {
                items.Add(Or());
                if (Peek == ",")
                {
                    Next();
                    tuple = true;
                }
            }
            Expect(")");
            return tuple || items.Count == 0 ? items : items[0];
        }
        if (token == "[")
        {
            var items = new List<object?>();
            while (Peek != "]")
            {
                items.Add(Or());
                if (Peek == ",") Next();
            }
            Expect("]");
            return items;
        }
        if (token == "{")
        {
            var dict = new Dictionary<string, object?>();
            while (Peek != "}")
            {
                var key = Or()?.ToString() ?? "";
                Expect(":");
                dict[key] = Or();
                if (Peek == ",") Next();
            }
            Expect("}");
            return dict;
        }
        if (token.StartsWith('\u0001'))
        {
            var text = new StringBuilder(token[1..]);
            while (Peek?.StartsWith('\u0001') == true) text.Append(Next()[1..]); // adjacent literals concatenate
            return text.ToString();
        }
        if (char.IsDigit(token[0]) || (token[0] == '-' && token.Length > 1))
            return token.Contains('.') ? double.Parse(token, CultureInfo.InvariantCulture) : (object)long.Parse(token, CultureInfo.InvariantCulture);
        return token switch
        {
            "None" => null,
            "True" => true,
            "False" => false,
            "len" => (Func<List<object?>, object?>)(a => (long)(a[0] switch
            {
                string s => s.Length,
                List<object?> l => l.Count,
                Dictionary<string, object?> d => d.Count,
                _ => throw new EvaluationException("len of a non-sequence"),
            })),
            "ord" => (Func<List<object?>, object?>)(a => a[0] is string { Length: 1 } s ? (long)s[0] : throw new EvaluationException("ord of a non-character")),
            "isinstance" => (Func<List<object?>, object?>)(a => Equal(a[0], a[1])),
            _ => _names.TryGetValue(token, out var value) ? value : throw new EvaluationException($"name '{token}' is not defined"),
        };
    }

    private static object? Subscript(object? container, object? key) => container switch
    {
        AliasingDictionary dict => dict.TryLookup(key?.ToString() ?? "", out var value) ? value : throw new EvaluationException($"KeyError: {key}"),
        Dictionary<string, object?> dict => dict.TryGetValue(key?.ToString() ?? "", out var value) ? value : throw new EvaluationException($"KeyError: {key}"),
        List<object?> list when key is long index => index < list.Count && index >= -list.Count ? list[(int)(index < 0 ? list.Count + index : index)] : throw new EvaluationException("IndexError"),
        string text when key is long index => index < text.Length ? text[(int)index].ToString() : throw new EvaluationException("IndexError"),
        _ => throw new EvaluationException("not subscriptable"),
    };

    private static object? Attribute(object? owner, string name)
    {
        if (owner is not Dictionary<string, object?> dict) throw new EvaluationException($"no attribute {name}");
        bool Lookup(string key, out object? value) =>
            dict is AliasingDictionary aliasing ? aliasing.TryLookup(key, out value) : dict.TryGetValue(key, out value);
        return name switch
        {
            "get" => (Func<List<object?>, object?>)(a => Lookup(a[0]?.ToString() ?? "", out var value) ? value : a.ElementAtOrDefault(1)),
            "has_key" => (Func<List<object?>, object?>)(a => Lookup(a[0]?.ToString() ?? "", out _)),
            "keys" => (Func<List<object?>, object?>)(_ => dict.Keys.Cast<object?>().ToList()),
            _ => Lookup(name, out var value) ? value : throw new EvaluationException($"AttributeError: {name}"),
        };
    }

    private static bool Truthy(object? value) => value switch
    {
        null => false,
        bool b => b,
        long n => n != 0,
        double d => d != 0,
        string s => s.Length > 0,
        List<object?> l => l.Count > 0,
        Dictionary<string, object?> d => d.Count > 0,
        _ => true,
    };

    private static bool Equal(object? left, object? right) => (left, right) switch
    {
        (null, null) => true,
        (null, _) or (_, null) => false,
        (long a, long b) => a == b,
        (long or double, long or double) => Math.Abs(Convert.ToDouble(left, CultureInfo.InvariantCulture) - Convert.ToDouble(right, CultureInfo.InvariantCulture)) < 1e-9,
        (List<object?> a, List<object?> b) => a.Count == b.Count && a.Zip(b).All(p => Equal(p.First, p.Second)),
        (Dictionary<string, object?> a, Dictionary<string, object?> b) => a.Count == b.Count && a.All(p => b.TryGetValue(p.Key, out var v) && Equal(p.Value, v)),
        _ => Equals(left, right),
    };

    private static int Order(object? left, object? right) => (left, right) switch
    {
        (string a, string b) => string.CompareOrdinal(a, b),
        (long or double, long or double) => Convert.ToDouble(left, CultureInfo.InvariantCulture).CompareTo(Convert.ToDouble(right, CultureInfo.InvariantCulture)),
        _ => throw new EvaluationException("not comparable"),
    };

    private static bool Contains(object? container, object? item) => container switch
    {
        string s => item is string sub && s.Contains(sub, StringComparison.Ordinal),
        List<object?> l => l.Any(x => Equal(x, item)),
        Dictionary<string, object?> d => d.ContainsKey(item?.ToString() ?? ""),
        _ => throw new EvaluationException("not a container"),
    };

    /// <summary>Tokens; a string literal becomes "\u0001" + its decoded value.</summary>
    private static List<string> Tokenize(string source)
    {
        var tokens = new List<string>();
        var i = 0;
        while (i < source.Length)
        {
            var c = source[i];
            if (char.IsWhiteSpace(c)) { i++; continue; }
            if ((c is 'u' or 'b' or 'r' or 'U' or 'B' or 'R') && i + 1 < source.Length && source[i + 1] is '\'' or '"' && (i == 0 || !char.IsLetterOrDigit(source[i - 1])))
            {
                i++;
                continue;
            }
            if (c is '\'' or '"')
            {
                var text = new StringBuilder();
                i++;
                while (i < source.Length && source[i] != c)
                {
                    if (source[i] == '\\' && i + 1 < source.Length)
                    {
                        var escape = source[i + 1];
                        i += 2;
                        switch (escape)
                        {
                            case 'n': text.Append('\n'); break;
                            case 't': text.Append('\t'); break;
                            case 'r': text.Append('\r'); break;
                            case 'x': text.Append((char)Convert.ToInt32(source.Substring(i, 2), 16)); i += 2; break;
                            case 'u': text.Append((char)Convert.ToInt32(source.Substring(i, 4), 16)); i += 4; break;
                            case 'U': text.Append(char.ConvertFromUtf32(Convert.ToInt32(source.Substring(i, 8), 16))); i += 8; break;
                            default: text.Append(escape); break;
                        }
                        continue;
                    }
                    text.Append(source[i++]);
                }
                i++;
                tokens.Add("\u0001" + text);
                continue;
            }
            if (char.IsDigit(c))
            {
                var start = i;
                while (i < source.Length && (char.IsDigit(source[i]) || source[i] == '.')) i++;
                tokens.Add(source[start..i]);
                continue;
            }
            if (char.IsLetter(c) || c == '_')
            {
                var start = i;
                while (i < source.Length && (char.IsLetterOrDigit(source[i]) || source[i] == '_')) i++;
                tokens.Add(source[start..i]);
                continue;
            }
            if (i + 1 < source.Length && source.Substring(i, 2) is "==" or "!=" or ">=" or "<=")
            {
                tokens.Add(source.Substring(i, 2));
                i += 2;
                continue;
            }
            tokens.Add(c.ToString());
            i++;
        }
        return tokens;
    }
}
