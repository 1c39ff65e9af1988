"""Length shaping: DAPO overlong penalty, cosine length scaling, Kimi k1.5 group length reward."""
