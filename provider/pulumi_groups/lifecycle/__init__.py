"""Layer 3, the provider lifecycle every group resource shares: the hooks a resource implements
(``hooks``), the one ``GroupProvider`` that runs check/diff/create/read/update/delete around
them, adopt-or-create and snapshot reads as its collaborators, the input schema, notices, and
``GroupResource``, the typed base of every resource class."""
