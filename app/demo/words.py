"""Word lists and towns the demo draws from: common French names, streets, real towns."""

from __future__ import annotations

from dataclasses import dataclass


from app.models import (
    Sex,
)

# -- word lists -------------------------------------------------------------------------
# Roughly in order of frequency in France; weights fall off with the rank.
SURNAMES: tuple[str, ...] = (
    "Martin", "Bernard", "Thomas", "Petit", "Robert", "Richard", "Durand", "Dubois",
    "Moreau", "Laurent", "Simon", "Michel", "Lefèvre", "Leroy", "Roux", "David",
    "Bertrand", "Morel", "Fournier", "Girard", "Bonnet", "Dupont", "Lambert", "Fontaine",
    "Rousseau", "Vincent", "Muller", "Lefebvre", "Faure", "André", "Mercier", "Blanc",
    "Guérin", "Boyer", "Garnier", "Chevalier", "François", "Legrand", "Gauthier", "Garcia",
    "Perrin", "Robin", "Clément", "Morin", "Nicolas", "Henry", "Roussel", "Mathieu",
    "Gautier", "Masson", "Marchand", "Duval", "Denis", "Dumont", "Marie", "Lemaire",
    "Noël", "Meyer", "Dufour", "Meunier", "Brun", "Blanchard", "Giraud", "Joly",
    "Rivière", "Lucas", "Brunet", "Gaillard", "Barbier", "Arnaud", "Martinez", "Gérard",
    "Roche", "Renard", "Schmitt", "Roy", "Leroux", "Colin", "Vidal", "Caron", "Picard",
    "Roger", "Fabre", "Aubert", "Lemoine", "Renaud", "Dumas", "Lacroix", "Olivier",
    "Philippe", "Bourgeois", "Pierre", "Benoît", "Rey", "Leclerc", "Payet", "Rolland",
    "Leclercq", "Guillaume", "Lecomte", "Lopez", "Jean", "Dupuis", "Guillot", "Hubert",
    "Berger", "Carpentier", "Sanchez", "Moulin", "Louis", "Deschamps", "Huet", "Vasseur",
    "Perez", "Boucher", "Fleury", "Royer", "Klein", "Jacquet", "Adam", "Paris", "Poirier",
    "Marty", "Aubry", "Guyot", "Carré", "Charles", "Renault", "Charpentier", "Ménard",
    "Maillard", "Baron", "Bertin", "Bailly", "Hervé", "Schneider", "Fernandez", "Le Gall",
    "Collet", "Léger", "Bouvier", "Julien", "Prévost", "Millet", "Perrot", "Daniel",
    "Le Roux", "Cousin", "Germain", "Breton", "Besson", "Langlois", "Rémy", "Le Goff",
    "Pelletier", "Lévêque", "Perrier", "Leblanc", "Barré", "Lebrun", "Marchal", "Weber",
    "Mallet", "Hamon", "Boulanger", "Jacob", "Monnier", "Michaud", "Rodriguez", "Guichard",
    "Gillet", "Étienne", "Grondin", "Poulain", "Tessier", "Chevallier", "Collin", "Chauvin",
    "Da Silva", "Bouchet", "Gay", "Lemaître", "Bénard", "Maréchal", "Humbert", "Reynaud",
    "Antoine", "Hoarau", "Perret", "Barthélemy", "Cordier", "Pichon", "Lejeune", "Gilbert",
    "Lamy", "Delaunay", "Pasquier", "Carlier", "Laporte", "Béranger", "N'Diaye", "Diallo",
    "Traoré", "Nguyen", "Tran", "Benali", "Haddad", "Mansour", "Ferreira", "Rodrigues",
    "Dos Santos", "Pereira", "De Oliveira", "D'Almeida", "Bensaïd", "Zaïdi", "Achour",
    "Dupré", "Lebœuf", "Le Bihan", "Le Corre", "Dubois-Martin", "Saint-Martin",
    "Lefèvre-Durand", "Moreau-Garnier", "Desjardins", "Cœurdevey", "Ait Ali", "Kowalski",
)
SURNAME_WEIGHTS = tuple(1.0 / (rank + 8) ** 0.7 for rank in range(len(SURNAMES)))

# First names by sex and by generation (born before 1960, 1960-1989, from 1990).
FIRST_NAMES: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {
    Sex.FEMALE.value: (
        ("Jeanne", "Marie", "Monique", "Jacqueline", "Françoise", "Simone", "Denise",
         "Suzanne", "Yvette", "Colette", "Geneviève", "Madeleine", "Germaine", "Paulette",
         "Micheline", "Odette", "Renée", "Josette", "Nicole", "Christiane", "Marie-Thérèse",
         "Marie-Louise", "Huguette", "Lucienne", "Andrée", "Annie", "Danielle", "Michèle",
         "Hélène", "Noëlle", "Gisèle", "Thérèse", "Éliane", "Raymonde", "Mireille",
         "Ginette", "Bernadette", "Arlette"),
        ("Nathalie", "Isabelle", "Sylvie", "Catherine", "Valérie", "Sandrine", "Christine",
         "Véronique", "Stéphanie", "Céline", "Laurence", "Sophie", "Aurélie", "Émilie",
         "Julie", "Virginie", "Karine", "Élodie", "Caroline", "Anne-Sophie",
         "Marie-Christine", "Delphine", "Séverine", "Audrey", "Mélanie", "Cécile", "Hélène",
         "Corinne", "Patricia", "Lætitia", "Gaëlle", "Magali", "Agnès", "Béatrice",
         "Estelle", "Fatima", "Nadia", "Samia", "Anne-Laure"),
        ("Emma", "Jade", "Louise", "Alice", "Chloé", "Léa", "Manon", "Inès", "Camille", "Zoé",
         "Lina", "Léna", "Anaïs", "Maëlle", "Clémence", "Mathilde", "Juliette", "Rose",
         "Ambre", "Mila", "Lou", "Éloïse", "Héloïse", "Océane", "Sarah", "Lucie", "Margaux",
         "Noémie", "Maëlys", "Romane", "Agathe", "Capucine", "Yasmine", "Aïcha", "Nour",
         "Alix", "Anna", "Élise", "Marie-Lou"),
    ),
    Sex.MALE.value: (
        ("Jean", "Pierre", "Michel", "André", "Jacques", "René", "Bernard", "Marcel",
         "Claude", "Roger", "Robert", "Gérard", "Daniel", "Henri", "Paul", "Louis", "Raymond",
         "Georges", "Maurice", "Jean-Pierre", "Jean-Claude", "Guy", "Lucien", "Roland", "Yves",
         "Alain", "Joseph", "Gilbert", "Noël", "Fernand", "Émile", "Étienne", "Francis",
         "Serge", "Jean-Marie"),
        ("Philippe", "Christophe", "Stéphane", "Frédéric", "Laurent", "Éric", "Olivier",
         "Thierry", "Pascal", "Nicolas", "Sébastien", "Julien", "David", "Jérôme", "Franck",
         "Vincent", "Cédric", "Fabrice", "Jean-Éric", "Jean-François", "Jean-Luc", "Benoît",
         "Loïc", "Grégory", "Arnaud", "Mickaël", "Raphaël", "Yannick", "Hervé", "Ludovic",
         "Joël", "Karim", "Mehdi", "Rachid", "Mathieu", "Guillaume", "Romain"),
        ("Gabriel", "Léo", "Raphaël", "Louis", "Arthur", "Jules", "Adam", "Lucas", "Hugo",
         "Maël", "Noah", "Liam", "Théo", "Nathan", "Tom", "Sacha", "Éthan", "Paul", "Mathéo",
         "Timéo", "Nolan", "Enzo", "Aaron", "Valentin", "Baptiste", "Maxime", "Clément",
         "Thomas", "Alexandre", "Antoine", "Quentin", "Kylian", "Noé", "Gaël", "Ismaël",
         "Yanis", "Rayan", "Nathanaël", "Côme", "Pierre-Louis"),
    ),
}


@dataclass(frozen=True)
class Town:
    name: str
    postal_code: str
    landline_prefixes: tuple[str, ...]  # "0247": the first four digits of local numbers
    weight: float


# Real towns and postcodes: the practice's area (Touraine) first, then across France.
TOWNS: tuple[Town, ...] = (
    Town("Joué-lès-Tours", "37300", ("0247",), 20),
    Town("Tours", "37000", ("0247",), 22),
    Town("Tours", "37100", ("0247",), 8),
    Town("Tours", "37200", ("0247",), 6),
    Town("Chambray-lès-Tours", "37170", ("0247",), 7),
    Town("Saint-Avertin", "37550", ("0247",), 6),
    Town("Ballan-Miré", "37510", ("0247",), 5),
    Town("Saint-Cyr-sur-Loire", "37540", ("0247",), 4),
    Town("Saint-Pierre-des-Corps", "37700", ("0247",), 4),
    Town("La Riche", "37520", ("0247",), 3),
    Town("Monts", "37260", ("0247",), 4),
    Town("Veigné", "37250", ("0247",), 3),
    Town("Fondettes", "37230", ("0247",), 2),
    Town("Luynes", "37230", ("0247",), 1.5),
    Town("Savonnières", "37510", ("0247",), 1.5),
    Town("Montlouis-sur-Loire", "37270", ("0247",), 1.5),
    Town("Larçay", "37270", ("0247",), 1),
    Town("Azay-le-Rideau", "37190", ("0247",), 1.5),
    Town("Vouvray", "37210", ("0247",), 1),
    Town("Amboise", "37400", ("0247",), 1),
    Town("Bléré", "37150", ("0247",), 0.8),
    Town("Chinon", "37500", ("0247",), 0.6),
    Town("Loches", "37600", ("0247",), 0.6),
    Town("Blois", "41000", ("0254",), 0.4),
    Town("Vendôme", "41100", ("0254",), 0.2),
    Town("Orléans", "45000", ("0238",), 0.3),
    Town("Poitiers", "86000", ("0549",), 0.3),
    Town("Châtellerault", "86100", ("0549",), 0.3),
    Town("Angers", "49000", ("0241",), 0.3),
    Town("Saumur", "49400", ("0241",), 0.3),
    Town("Le Mans", "72000", ("0243",), 0.3),
    Town("Paris", "75011", ("0143", "0148", "0147"), 0.5),
    Town("Paris", "75015", ("0145", "0140", "0142"), 0.4),
    Town("Lyon", "69003", ("0472", "0478"), 0.3),
    Town("Marseille", "13008", ("0491",), 0.2),
    Town("Toulouse", "31000", ("0561",), 0.2),
    Town("Nantes", "44000", ("0240",), 0.3),
    Town("Bordeaux", "33000", ("0556",), 0.2),
    Town("Lille", "59000", ("0320",), 0.2),
    Town("Rennes", "35000", ("0299",), 0.2),
    Town("Brest", "29200", ("0298",), 0.1),
    Town("Caen", "14000", ("0231",), 0.1),
    Town("Rouen", "76000", ("0235",), 0.1),
    Town("Strasbourg", "67000", ("0388",), 0.1),
    Town("Reims", "51100", ("0326",), 0.1),
    Town("Nancy", "54000", ("0383",), 0.1),
    Town("Dijon", "21000", ("0380",), 0.1),
    Town("Montpellier", "34000", ("0467",), 0.1),
    Town("Nice", "06000", ("0493",), 0.1),
    Town("Grenoble", "38000", ("0476",), 0.1),
    Town("Saint-Étienne", "42000", ("0477",), 0.1),
    Town("Clermont-Ferrand", "63000", ("0473",), 0.1),
    Town("Limoges", "87000", ("0555",), 0.1),
)
TOWN_WEIGHTS = tuple(t.weight for t in TOWNS)

STREET_TYPES = ("rue", "rue", "rue", "rue", "avenue", "avenue", "boulevard", "place", "allée",
                "impasse", "chemin", "route", "square", "quai", "cours")
STREET_NAMES = (
    "de la République", "Victor Hugo", "Jean Jaurès", "des Écoles", "du Général de Gaulle",
    "de Paris", "de la Gare", "des Lilas", "Pasteur", "de l'Église", "du Moulin",
    "des Acacias", "Émile Zola", "Jules Ferry", "de la Paix", "des Peupliers", "du Château",
    "Saint-Martin", "de la Loire", "Gambetta", "Paul Bert", "Léon Blum", "Voltaire",
    "des Tanneurs", "du Commerce", "Georges Clemenceau", "Anatole France", "de Verdun",
    "du 8 Mai 1945", "des Rosiers", "des Vignes", "de la Fontaine", "du Stade",
    "Marcel Cachin", "Jean Moulin", "des Marronniers", "de Bretagne", "de la Mairie",
    "Honoré de Balzac", "François Rabelais", "Pierre de Ronsard", "des Cerisiers",
    "du Prieuré", "de Grammont", "de Nantes", "de Chinon", "des Hautes Marches",
    "Aristide Briand", "Louis Pasteur", "Marie Curie", "de l'Hôtel de Ville", "du Lavoir",
)
RESIDENCES = ("Résidence les Tilleuls", "Résidence du Parc", "Les Jardins de la Loire",
              "Résidence Ronsard", "Le Clos des Vignes", "Résidence Bel Air")

EMAIL_DOMAINS = ("orange.fr", "free.fr", "gmail.com", "laposte.net", "wanadoo.fr", "sfr.fr",
                 "hotmail.fr", "yahoo.fr", "outlook.fr", "icloud.com")
EMAIL_DOMAIN_WEIGHTS = (24, 14, 28, 8, 8, 6, 6, 3, 2, 1)

OTHER_DOCTORS = (
    "Dr Antoine Rivière", "Dr Hélène Carpentier", "Dr Mathieu Lebrun", "Dr Sophie Marchal",
    "Dr Karim Haddad", "Dr Isabelle Le Goff", "Dr François Aubry", "Dr Nathalie Pasquier",
    "Dr Pierre-Yves Cordier", "Dr Laure Tessier", "Dr Yann Le Bihan", "Dr Anne Delaunay",
    "Dr Jean-Baptiste Royer (Amboise)", "Dr Cécile Maréchal (Chinon)",
)

ADMIN_NOTES = (
    "Tiers payant", "Tiers payant intégral", "Préfère être appelé le matin",
    "Préfère être appelée l'après-midi", "Sourd — parler lentement",
    "Malentendante — privilégier les SMS", "Rappeler sur le portable uniquement",
    "Ne pas laisser de message sur le répondeur", "Accompagné(e) par sa fille",
    "Vient avec son fils pour les rendez-vous", "Parle anglais", "Parle portugais",
    "Mobilité réduite — rendez-vous au rez-de-chaussée", "Carte Vitale à mettre à jour",
    "Complémentaire santé solidaire (CSS)", "Nouvelle adresse à confirmer",
    "Joindre le matin avant 9 h", "Tutelle : contacter l'UDAF avant tout rendez-vous",
)

# Shown whenever the card opens: practical, never clinical.
ALERTS = (
    "Malentendant : parler fort et lentement", "Interprète nécessaire (arabe)",
    "Interprète nécessaire (langue des signes)", "Ne pas laisser de message sur le répondeur",
    "Sous tutelle : prévenir l'UDAF de tout rendez-vous", "Appeler sa fille avant tout rendez-vous",
    "Se déplace en fauteuil roulant", "Malvoyante : lui lire les consignes au téléphone",
)
CHANNELS = (("sms", 45), ("phone", 35), ("email", 15), ("mail", 5))
