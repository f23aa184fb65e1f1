#!/usr/bin/env python3
"""Writes recipes/data/identity-harmless.tsv: harmless sentences that mention identity
groups, the counterfactual augmentation of Dixon et al. (2018). A linear model learns from
hate-speech sets that identity words co-occur with attacks; these sentences teach it that the
words alone are not toxic. Sentences and terms are our own; the output is deterministic.

    python3 scripts/make-identity-augmentation.py > recipes/data/identity-harmless.tsv
"""
import itertools

TERMS = [
    "black", "white", "asian", "african", "african american", "hispanic", "latino", "latina",
    "mexican", "indian", "chinese", "japanese", "european", "american", "canadian",
    "middle eastern", "arab", "jewish", "muslim", "christian", "catholic", "protestant",
    "buddhist", "hindu", "sikh", "atheist", "gay", "lesbian", "bisexual", "queer", "trans",
    "transgender", "nonbinary", "straight", "heterosexual", "homosexual", "lgbt", "lgbtq",
    "male", "female", "deaf", "blind", "disabled", "old", "older", "elderly", "young",
    "younger", "teenage", "immigrant", "refugee",
]

TEMPLATES = [
    "I am {a} {t} person and proud of it.",
    "My neighbour is {t} and she helped us move last week.",
    "Our new teacher is {t} and the kids love her classes.",
    "Being {t} is part of who I am.",
    "The {t} community organised a food drive this weekend.",
    "I met {a} {t} family at the park and we talked for hours.",
    "He is {a} {t} engineer who designs bridges.",
    "She grew up {t} in a small town and now runs a bakery.",
    "As {a} {t} woman, I found this article thoughtful.",
    "My best friend is {t}, and we have known each other since school.",
    "There are many {t} students in the chess club.",
    "The museum has a new exhibit on {t} history.",
    "We should listen to {t} voices on this question.",
    "The author, who is {t}, wrote a lovely memoir.",
    "Is there a {t} choir in the city? I would like to join.",
    "My grandfather was {t} and he loved gardening.",
    "The panel included {a} {t} doctor and a nurse.",
    "A {t} colleague of mine just got promoted.",
    "{T} people live on my street and they are friendly.",
    "I read that {t} voters care about schools and jobs like everyone else.",
    "Thanks to the {t} volunteers who cleaned the beach.",
    "She is {t}. So what? She is also the best player on the team.",
    "Happy holidays to all my {t} friends!",
    "The documentary follows {a} {t} athlete preparing for the games.",
]


def article(term):
    return "an" if term[0] in "aeiou" else "a"


def main():
    print("text\tnote")
    for template, term in itertools.product(TEMPLATES, TERMS):
        text = template.format(t=term, T=term[0].upper() + term[1:], a=article(term))
        print(f"{text}\tharmless identity mention")


if __name__ == "__main__":
    main()
