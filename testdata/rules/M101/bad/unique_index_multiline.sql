CREATE UNIQUE INDEX users_email_key -- expect: M101
    ON public.users (lower(email));
