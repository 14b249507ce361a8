-- A foreign key over two columns, listed in an order different from the table's.
create table sections (
    course  text not null,
    term    text not null,
    room    text,
    primary key (course, term)
);
create table enrollments (
    student     integer not null,
    term        text not null,
    course      text not null,
    constraint enrollments_section_fkey
        foreign key (course, term) references sections (course, term),
    primary key (student, course, term)
);
